using System.Text;
using OtlpBroadcast.Export;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>What a flush and a statistics snapshot cover while other threads are queueing.</summary>
public class FlushRaceTests
{
    /// <summary>
    /// A flush that returns true has sent every span queued before it was called. Spans used to be counted after
    /// they were queued: a span another thread had queued but not yet counted then took the place in the send order
    /// that the flush's count stood for, and the flush returned while the span queued before it was still waiting.
    /// The test holds the other thread right after it has queued its span (the queue's test hook), which is where a
    /// preempted thread could stop.
    /// </summary>
    [Fact]
    public async Task AFlushCoversASpanQueuedBeforeItWhileAnotherThreadIsStillInsideItsOwnQueueing()
    {
        var handler = new SpanNameCollector();
        OtlpDestinationOptions options = Options(new Uri("http://127.0.0.1:9/v1/traces"));
        options.MaxExportBatchSize = 1;
        await using DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(handler, Resource));

        using var queued = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        exporter.QueueForTests.QueuedForTests = () =>
        {
            exporter.QueueForTests.QueuedForTests = null;
            queued.Set();
            release.Wait(Patience);
        };
        Task other = OnOwnThread(() => Enqueue(exporter, Named("other")));
        Assert.True(queued.Wait(Patience), "the other thread queued its span");

        Assert.True(Enqueue(exporter, Named("flushed")));
        Task<bool> flush = exporter.FlushAsync(Patience);
        bool flushed;
        try
        {
            // Before the fix the flush returned true here, with only "other" sent.
            Task first = await Task.WhenAny(flush, Task.Delay(TimeSpan.FromSeconds(2)));
            flushed = first == flush && await flush;
            Assert.False(flushed && !handler.Saw("flushed"), "the flush returned true before the span queued ahead of it was sent");
        }
        finally
        {
            handler.OpenGate();
            release.Set();
            await other;
        }

        Assert.True(await flush, "the flush settled once the other thread had finished");
        Assert.True(handler.Saw("flushed"));
        Assert.True(handler.Saw("other"));
        AssertAccounting(exporter.GetStatistics());
    }

    /// <summary>
    /// The accounting the statistics promise (<c>Offered = Exported + Rejected + HandedOver + DroppedTotal + Pending</c>, nothing
    /// pending below zero) holds in every snapshot, also one taken while spans are offered, dropped and delivered. The
    /// counters used to be read one after another and Pending computed from two of them read last, so a snapshot
    /// taken under traffic counted spans offered after Offered had been read (the old reading failed within the
    /// first few thousand snapshots here).
    /// </summary>
    [Fact]
    public async Task EverySnapshotTakenUnderTrafficAddsUp()
    {
        var handler = new SpanNameCollector();
        handler.OpenGate();
        OtlpDestinationOptions options = Options(new Uri("http://127.0.0.1:9/v1/traces"));
        options.MaxExportBatchSize = 4;
        options.MaxQueueSize = 64;
        options.ScheduledDelay = TimeSpan.FromMilliseconds(1);
        await using DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(handler, Resource));

        using var stop = new CancellationTokenSource();
        Task[] producers = [.. Enumerable.Range(0, 2).Select(p => OnOwnThread(() =>
        {
            OtlpSpan span = Named($"producer-{p}");
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                Enqueue(exporter, span);
                if (i % 16 == 0)
                {
                    // Other tests run beside this one on two cores: leave them, and the exporter, their turn.
                    Thread.Yield();
                }
            }
        }))];

        try
        {
            var traffic = System.Diagnostics.Stopwatch.StartNew();
            while (exporter.GetStatistics() is not { Exported: > 0 } seen || seen.Dropped(DropReason.QueueFull) == 0)
            {
                Assert.True(traffic.Elapsed < Patience, "spans were both delivered and dropped");
                await Task.Delay(10);
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 200_000 && watch.Elapsed < TimeSpan.FromSeconds(3); i++)
            {
                DestinationStatistics stats = exporter.GetStatistics();
                Assert.True(stats.Pending >= 0, $"snapshot {i}: {stats.Pending} pending");
                Assert.True(
                    stats.Offered == stats.Exported + stats.Rejected + stats.HandedOver + stats.DroppedTotal + stats.Pending,
                    $"snapshot {i}: offered {stats.Offered}, exported {stats.Exported}, rejected {stats.Rejected}, dropped {stats.DroppedTotal}, pending {stats.Pending}");
            }
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(producers);
        }

        DestinationStatistics final = exporter.GetStatistics();
        Assert.True(final.Exported > 0 && final.Dropped(DropReason.QueueFull) > 0, "the snapshots were taken while spans were both delivered and dropped");
    }

    /// <summary>Runs <paramref name="work"/> on a thread of its own: a producer that spins or is held must not take a
    /// thread-pool thread from the exporters of the tests running beside this one.</summary>
    private static Task OnOwnThread(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception exception)
            {
                done.SetException(exception);
            }
        })
        { IsBackground = true };
        thread.Start();
        return done.Task;
    }

    private static OtlpSpan Named(string name)
    {
        OtlpSpan span = Span(0);
        return new OtlpSpan(span.TraceId, span.SpanId, name)
        {
            Kind = span.Kind,
            StartTimeUnixNano = span.StartTimeUnixNano,
            EndTimeUnixNano = span.EndTimeUnixNano,
            Status = span.Status,
        };
    }

    /// <summary>Accepts every request without a network and remembers the span names it carried; every request after
    /// the first waits until <see cref="OpenGate"/>, so a span still queued when a flush returns is not sent behind the
    /// test's back.</summary>
    private sealed class SpanNameCollector : HttpMessageHandler
    {
        private static readonly byte[] Marker = Encoding.UTF8.GetBytes("\"name\":\"");
        private readonly HashSet<string> _seen = [];
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests;

        public void OpenGate() => _gate.TrySetResult();

        public bool Saw(string name)
        {
            lock (_seen)
            {
                return _seen.Contains(name);
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _requests) > 1)
            {
                await _gate.Task.WaitAsync(cancellationToken);
            }

            byte[] body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            lock (_seen)
            {
                int from = 0;
                for (int at; (at = body.AsSpan(from).IndexOf(Marker)) >= 0;)
                {
                    int start = from + at + Marker.Length;
                    int end = Array.IndexOf(body, (byte)'"', start);
                    _seen.Add(Encoding.UTF8.GetString(body, start, end - start));
                    from = end;
                }
            }

            return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        }
    }
}

using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// Exceptions that are not network failures (a handler's InvalidOperationException, an open circuit breaker, a
/// disposed client, a fault of the exporter itself) must not end a destination's exports, fail its shutdown or escape
/// a connection test.
/// </summary>
public class HttpStackFaultTests
{
    [Fact]
    public async Task AHandlerExceptionIsRetriedAndTheExporterGoesOnSending()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var handler = new ThrowingHandler((index, _) => index == 0 ? new InvalidOperationException("the circuit is open") : null);
        await using DestinationExporter exporter = Exporter(Options(receiver), ExporterServices.WithHandler(handler, Resource));

        List<OtlpSpan> first = EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        Assert.True(exporter.IsRunning, "the export loop ended");
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Exported);
        Assert.Equal(1, stats.Retries);
        Assert.Equal("no response: unexpected InvalidOperationException: the circuit is open", stats.LastError);

        List<OtlpSpan> later = EnqueueSpans(exporter, 3, firstIndex: 2);
        await FlushOrFail(exporter);

        Assert.Equal(Names(first.Concat(later)), StoredNames(receiver));
        Assert.Equal(5, exporter.GetStatistics().Exported);
        AssertAccounting(exporter.GetStatistics());
    }

    [Fact]
    public async Task ShutdownAfterTheHandlerAlwaysThrowsSettlesEverythingAndDoesNotThrow()
    {
        using var handler = new ThrowingHandler((_, _) => new ObjectDisposedException("HttpClient"));
        OtlpDestinationOptions options = Options(new Uri("https://collector.example.com/v1/traces"));
        options.MaxAttempts = 2;

        // A queue of a million spans lets the fragment pool keep that many more; the shutdown must give that back.
        options.MaxQueueSize = 1_000_000;
        DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(handler, Resource));
        Assert.True(FragmentPool.Limit >= 1_000_000);

        EnqueueSpans(exporter, 3);
        await FlushOrFail(exporter);
        await exporter.ShutdownAsync(Patience);

        Assert.False(exporter.IsRunning);
        Assert.True(FragmentPool.Limit < 1_000_000, "the shutdown did not give the queue's capacity back to the pool");
        Assert.False(Enqueue(exporter, Span(3)));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, handler.Requests);
        Assert.Equal(3, stats.Dropped(DropReason.RetriesExhausted));
        Assert.Equal(1, stats.Dropped(DropReason.Shutdown));
        Assert.Contains("unexpected ObjectDisposedException", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AFaultInsideTheExportLoopDropsThatBatchAndLaterBatchesAreSent()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var clock = new FaultyClock();
        var listener = new RecordingListener();
        var services = new ExporterServices { Resource = Resource, TimeProvider = clock, Events = listener };
        await using DestinationExporter exporter = Exporter(Options(receiver), services);

        // The first batch is delivered, then reading the clock to count it throws: no HTTP failure explains that.
        clock.ThrowOnce();
        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        Assert.True(exporter.IsRunning, "the export loop ended");
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Dropped(DropReason.ExportFault));
        Assert.Equal("the batch was dropped: unexpected InvalidOperationException: the clock failed", stats.LastError);
        Assert.Contains((exporter.Destination.Name, DropReason.ExportFault, 2L), listener.Drops);

        List<OtlpSpan> later = EnqueueSpans(exporter, 3, firstIndex: 2);
        await FlushOrFail(exporter);

        Assert.Equal(Names(later), StoredNames(receiver).Skip(2));
        stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Exported);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AConnectionTestWhoseHandlerThrowsFailsNamingTheExceptionWithoutTheCredentials()
    {
        string token = "c4n4ry" + Guid.NewGuid().ToString("N");
        using var handler = new ThrowingHandler((_, request) => new InvalidOperationException($"no route for {request.Headers.Authorization}"));
        var services = ExporterServices.WithHandler(handler, Resource);
        OtlpDestinationOptions options = Options(new Uri("https://collector.example.com/v1/traces"), "breaker");
        options.Headers["Authorization"] = "Bearer " + token;
        OtlpDestination destination = OtlpDestination.Create(options);

        ConnectionTestResult test = await ConnectionTester.TestAsync(destination, services);
        DestinationSaveResult save;
        await using (var registry = new DestinationRegistry(services))
        {
            save = await registry.SaveAsync(destination);
        }

        AssertNoSecret(test.Message, token, "the result's message");
        AssertNoSecret(save.Reason, token, "the save's reason");
        Assert.False(test.Success);
        Assert.Null(test.StatusCode);
        Assert.Equal("unexpected InvalidOperationException: no route for ***", test.Message);
        Assert.False(save.Saved);
        Assert.Contains("unexpected InvalidOperationException", save.Reason, StringComparison.Ordinal);
    }

    /// <summary>The system clock, except that the first <see cref="GetUtcNow"/> after <see cref="ThrowOnce"/> throws.</summary>
    private sealed class FaultyClock : TimeProvider
    {
        private int _armed;

        public void ThrowOnce() => Volatile.Write(ref _armed, 1);

        public override DateTimeOffset GetUtcNow()
            => Interlocked.Exchange(ref _armed, 0) == 1 ? throw new InvalidOperationException("the clock failed") : base.GetUtcNow();
    }
}

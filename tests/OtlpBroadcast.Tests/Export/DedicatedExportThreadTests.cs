using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// Where an exporter's loop runs and how it sends (<see cref="ExporterServices.MaxDedicatedExportThreads"/>): on a
/// thread of its own, sending synchronously, with the SDK's own client while threads are left (the default); on the
/// thread pool, sending asynchronously, beyond the limit or when a client is given. The synchronous send ends a wait for an answer as the
/// asynchronous one does. Every test of <see cref="DestinationExporterFaultTests"/> runs both ways as well.
/// </summary>
public class DedicatedExportThreadTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheLoopRunsOnAThreadOfItsOwnWhenAskedAndOnThePoolWhenNot(bool dedicated)
    {
        await using OtlpTestReceiver receiver = await RefusingReceiverAsync();
        var listener = new ThreadListener();
        await using DestinationExporter exporter = Exporter(
            Options(receiver), new ExporterServices { Resource = Resource, Events = listener, MaxDedicatedExportThreads = dedicated ? 16 : 0 });

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);
        Assert.Equal(dedicated, exporter.GetStatistics().SendsFromOwnThread);

        // The failure and the drop are reported by the loop, on the thread it runs on.
        Assert.Equal(2, listener.Threads.Count);
        foreach ((bool onPool, string? name) in listener.Threads)
        {
            Assert.Equal(!dedicated, onPool);
            if (dedicated)
            {
                Assert.Equal("OtlpBroadcast exporter", name);
            }
        }
    }

    [Fact]
    public async Task BeyondTheLimitExportersShareThePoolAndAThreadGivenBackServesTheNextOne()
    {
        await using OtlpTestReceiver receiver = await RefusingReceiverAsync();
        var listener = new ThreadListener();
        var services = new ExporterServices { Resource = Resource, Events = listener, MaxDedicatedExportThreads = 1 };

        // The first takes the one thread; the second, started while the first runs, shares the pool.
        DestinationExporter first = Exporter(Options(receiver, "first"), services);
        await using DestinationExporter second = Exporter(Options(receiver, "second"), services);
        EnqueueSpans(first, 1);
        EnqueueSpans(second, 1);
        await FlushOrFail(first);
        await FlushOrFail(second);

        // Once the first has shut down, its thread serves the next exporter.
        await first.ShutdownAsync(TimeSpan.Zero).WaitAsync(Patience);
        await using DestinationExporter third = Exporter(Options(receiver, "third"), services);
        EnqueueSpans(third, 1);
        await FlushOrFail(third);

        Assert.Equal([(false, "OtlpBroadcast exporter")], listener.ThreadsOf("first").Distinct());
        Assert.Equal([true], listener.ThreadsOf("second").Select(thread => thread.OnPool).Distinct());
        Assert.Equal([(false, "OtlpBroadcast exporter")], listener.ThreadsOf("third").Distinct());
    }

    [Fact]
    public async Task AThreadIsFreeForTheNextExporterOnceTheShutdownReturns()
    {
        var services = new ExporterServices { Resource = Resource, MaxDedicatedExportThreads = 1 };
        Uri endpoint = ClosedEndpoint();
        for (int round = 0; round < 50; round++)
        {
            DestinationExporter exporter = Exporter(Options(endpoint), services);
            Assert.True(exporter.OnOwnThread, $"round {round}: the thread was not given back before the shutdown returned");
            await exporter.ShutdownAsync(TimeSpan.Zero).WaitAsync(Patience);
        }

        Assert.True(services.TryTakeExportThread(), "the last exporter's thread was not given back");
        services.ReturnExportThread();
    }

    [Theory]
    [InlineData(typeof(OutOfMemoryException))]
    [InlineData(typeof(ThreadStartException))]
    public async Task WhenNoThreadCanBeStartedTheExporterRunsOnThePoolAndGivesTheThreadBack(Type failure)
    {
        await using OtlpTestReceiver receiver = await RefusingReceiverAsync();
        var listener = new ThreadListener();
        int starts = 0;

        // What Thread.Start throws when the process cannot have another thread (ThreadStartException has no public
        // constructor).
        var services = new ExporterServices
        {
            Resource = Resource,
            Events = listener,
            MaxDedicatedExportThreads = 1,
            StartExportThread = _ =>
            {
                starts++;
                throw (Exception)Activator.CreateInstance(failure, nonPublic: true)!;
            },
        };

        await using DestinationExporter exporter = Exporter(Options(receiver), services);
        Assert.Equal(1, starts);
        Assert.False(exporter.OnOwnThread);
        Assert.False(exporter.GetStatistics().SendsFromOwnThread, "the statistics do not say the destination shares the pool");
        Assert.Equal(0, services.ExportThreadsInUse);

        // The destination works all the same, from the pool.
        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);
        Assert.Equal([true], listener.Threads.Select(thread => thread.OnPool).Distinct());
        Assert.Equal(2, exporter.GetStatistics().DroppedTotal);
    }

    [Fact]
    public async Task ADestinationReplacedInARegistryAtTheLimitKeepsItsThread()
    {
        var services = new ExporterServices { Resource = Resource, MaxDedicatedExportThreads = 1 };
        await using var registry = new DestinationRegistry(services);
        Uri endpoint = ClosedEndpoint();

        await registry.AddAsync(OtlpDestination.Create(Options(endpoint, "a")));
        Assert.True(Assert.Single(registry.Exporters).OnOwnThread);

        // The replacement starts before the old exporter stops: it takes that one's thread over, rather than finding
        // the one thread taken and sharing the pool for good.
        await registry.AddAsync(OtlpDestination.Create(Options(endpoint, "a")));
        Assert.True(Assert.Single(registry.Exporters).OnOwnThread, "the replacement shares the pool although its destination had a thread");
        Assert.False(services.TryTakeExportThread(), "the old exporter's thread is counted twice, or not at all");

        // Removed, it gives the thread back.
        Assert.True(await registry.RemoveAsync("a"));
        Assert.True(services.TryTakeExportThread(), "the removed destination's thread was not given back");
        services.ReturnExportThread();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheLoopDoesNotTakeItsCreatorsExecutionContextEitherWay(bool dedicated)
    {
        await using OtlpTestReceiver receiver = await RefusingReceiverAsync();
        var listener = new AmbientListener();

        // What the request that added the destination had in its async-local values is not the loop's, whichever way
        // the loop runs (the limit decides which).
        AmbientListener.Ambient.Value = "the creator's";
        DestinationExporter exporter = Exporter(Options(receiver), Services(dedicated, listener));
        AmbientListener.Ambient.Value = null;
        await using (exporter)
        {
            EnqueueSpans(exporter, 1);
            await FlushOrFail(exporter);
        }

        Assert.NotEmpty(listener.Seen);
        Assert.All(listener.Seen, Assert.Null);
    }

    [Fact]
    public void ANegativeLimitIsRefusedWithItsName()
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ExporterServices { MaxDedicatedExportThreads = -1 });
        Assert.Contains("MaxDedicatedExportThreads", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGivenClientSendsOnThePoolThroughEveryHandlerEvenWhenDedicatedThreadsAreAskedFor()
    {
        await using OtlpTestReceiver receiver = await RefusingReceiverAsync();

        // A handler that overrides only SendAsync, as most do (authentication, logging): a synchronous send would pass
        // it by, since DelegatingHandler.Send goes straight to the handler under it.
        using var handler = new AsyncOnlyHandler();
        var listener = new ThreadListener();
        var services = new ExporterServices { Resource = Resource, Events = listener, HttpClient = new HttpMessageInvoker(handler, disposeHandler: false) };
        Assert.True(services.MaxDedicatedExportThreads > 0);
        await using DestinationExporter exporter = Exporter(Options(receiver), services);

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        Assert.Single(receiver.Requests);
        Assert.Equal(1, handler.Sent);
        Assert.All(listener.Threads, thread => Assert.True(thread.OnPool));
        Assert.False(exporter.GetStatistics().SendsFromOwnThread);
    }

    [Theory]
    [InlineData(true, 200)]
    [InlineData(false, 200)]
    [InlineData(true, 503)]
    [InlineData(false, 503)]
    public async Task AnAnswerWhoseBodyStallsEndsAtTheTimeout(bool dedicated, int status)
    {
        await using var server = new CannedAnswerServer(StalledAnswer(status), thenClose: false);
        OtlpDestinationOptions options = OneAttempt(server.Endpoint, timeout: TimeSpan.FromSeconds(1));
        DestinationExporter exporter = Exporter(options, Services(dedicated));
        var watch = Stopwatch.StartNew();
        try
        {
            EnqueueSpans(exporter, 2);
            await FlushOrFail(exporter);
        }
        finally
        {
            // Bounded: a read that the timeout did not end would hold the shutdown for good.
            await exporter.ShutdownAsync(TimeSpan.Zero).WaitAsync(Patience);
        }

        // At the timeout, not seconds after it: a disposed answer was once drained for 2 s first (found in review).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"the stalled answer ended after {watch.Elapsed.TotalMilliseconds:0} ms, with a timeout of 1 s");
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(2, stats.Dropped(DropReason.RetriesExhausted));
        Assert.Contains("timed out after 1 s", stats.LastError, StringComparison.Ordinal);
        if (status != 200)
        {
            // The status came before the body stalled, so the status decides, and says so.
            Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), stats.LastError, StringComparison.Ordinal);
        }

        AssertAccounting(stats);
        await server.WaitUntilTheClientClosedAsync(Patience);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AShutdownEndsAStalledBodyReadWithinItsTimeout(bool dedicated)
    {
        await using var server = new CannedAnswerServer(StalledAnswer(200), thenClose: false);
        OtlpDestinationOptions options = Options(server.Endpoint);
        options.Timeout = TimeSpan.FromMinutes(1);
        options.ExportTimeout = TimeSpan.FromMinutes(1);
        DestinationExporter exporter = Exporter(options, Services(dedicated));

        EnqueueSpans(exporter, 2);
        Assert.False(await exporter.FlushAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(1, exporter.GetStatistics().Requests);

        await ShutdownEndsTheWaitingSend(exporter, spans: 2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AGzippedPartialSuccessCountsTheSameBothWays(bool dedicated)
    {
        using var packed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write("{\"partialSuccess\":{\"rejectedSpans\":\"1\",\"errorMessage\":\"one bad\"}}"u8);
        }

        byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {packed.Length}\r\n\r\n");
        await using var server = new CannedAnswerServer([.. head, .. packed.ToArray()], thenClose: false);
        OtlpDestinationOptions options = OneAttempt(server.Endpoint);
        await using DestinationExporter exporter = Exporter(options, Services(dedicated));

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Rejected);
        Assert.Equal(1, stats.Exported);
        Assert.Contains("one bad", stats.LastError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, 400)]
    [InlineData(false, 400)]
    [InlineData(true, 200)]
    [InlineData(false, 200)]
    public async Task ABodyCutOffByTheServerIsClassifiedTheSameBothWays(bool dedicated, int status)
    {
        await using var server = new CannedAnswerServer(StalledAnswer(status), thenClose: true);
        OtlpDestinationOptions options = OneAttempt(server.Endpoint);
        await using DestinationExporter exporter = Exporter(options, Services(dedicated));

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        // An error's status decides (final); a success cut off is an answer lost (tried again, here no more).
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Dropped(status == 400 ? DropReason.FinalHttpError : DropReason.RetriesExhausted));
        Assert.Contains(status == 400 ? "the response body was cut off" : "connection lost", stats.LastError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WithNoScheduledDelayEverySpanIsSentWithoutAFlush(bool dedicated)
    {
        // No delay: the loop waits with no timeout, and only the producers' wakes bring it back (one lost between a
        // wait and its reset would strand spans for good). Rounds of one to four producers adding at once.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.ScheduledDelay = TimeSpan.Zero;
        await using DestinationExporter exporter = Exporter(options, Services(dedicated));
        SpanFragment[] fragments = [.. Enumerable.Range(0, 4).Select(i => OtlpJsonSpanEncoder.Encode(Span(i)))];
        long total = 0;
        for (int round = 0; round < 200; round++)
        {
            int producers = 1 + (round % 4);
            int each = 1 + (round % 2);
            using var start = new Barrier(producers);
            Thread[] threads = [.. Enumerable.Range(0, producers).Select(p => new Thread(() =>
            {
                start.SignalAndWait();
                for (int k = 0; k < each; k++)
                {
                    exporter.TryEnqueue(fragments[p]);
                }
            }))];
            Array.ForEach(threads, thread => thread.Start());
            Array.ForEach(threads, thread => thread.Join());
            total += producers * each;
            long expected = total;
            Assert.True(
                SpinWait.SpinUntil(() => exporter.GetStatistics().Exported == expected, Patience),
                $"round {round}: {exporter.GetStatistics().Exported} of {expected} spans sent without a flush");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AShutdownEndsASendThatWaitsForAnAnswer(bool dedicated)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.Hang(TimeSpan.FromMinutes(2)),
        });
        OtlpDestinationOptions options = Options(receiver);
        options.Timeout = TimeSpan.FromMinutes(1);
        options.ExportTimeout = TimeSpan.FromMinutes(1);
        DestinationExporter exporter = Exporter(options, Services(dedicated));

        EnqueueSpans(exporter, 2);
        Task<bool> flushing = exporter.FlushAsync(TimeSpan.FromMilliseconds(1));
        Assert.True(SpinWait.SpinUntil(() => exporter.GetStatistics().Requests == 1, Patience), "the send did not start");
        await flushing;

        // The send waits for an answer that would take two minutes; the shutdown gives it 200 ms.
        var watch = Stopwatch.StartNew();
        await exporter.ShutdownAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the shutdown took {watch.Elapsed}");

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Dropped(DropReason.Shutdown));
        Assert.Equal(0, stats.Exported);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AShutdownEndsANameResolutionThatDoesNotAnswer(bool dedicated)
    {
        // A restricting policy resolves names itself, when it connects: a resolver that never answers must not hold
        // the shutdown, whether the send is synchronous (on the exporter's own thread) or not.
        var resolving = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = new ExporterServices
        {
            Resource = Resource,
            MaxDedicatedExportThreads = dedicated ? 16 : 0,
            NetworkPolicy = new DestinationNetworkPolicy
            {
                RequirePublicAddresses = true,
                Resolver = async (host, cancellationToken) =>
                {
                    resolving.TrySetResult(host);
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return [];
                },
            },
        };
        OtlpDestinationOptions options = Options(new Uri("http://collector.invalid:4318/v1/traces"));
        options.Timeout = TimeSpan.FromMinutes(1);
        options.ExportTimeout = TimeSpan.FromMinutes(1);
        DestinationExporter exporter = Exporter(options, services);
        Assert.Equal(dedicated, exporter.OnOwnThread);

        EnqueueSpans(exporter, 2);
        _ = exporter.FlushAsync(TimeSpan.FromMilliseconds(1));
        Assert.Equal("collector.invalid", await resolving.Task.WaitAsync(Patience));

        // Well before the attempt's minute: the resolver's wait was ended (a pool thread finishes the cancelled wait,
        // so the bound leaves room for a loaded machine).
        await ShutdownEndsTheWaitingSend(exporter, spans: 2, within: TimeSpan.FromSeconds(3));

        // The loop has ended: no thread is held any more.
        Assert.Equal(0, services.ExportThreadsInUse);
    }

    /// <summary>Shuts down with 200 ms to go, while a send waits: the shutdown ends it within <paramref name="within"/>
    /// (a second and a half unless given), and the <paramref name="spans"/> it held are dropped by the shutdown.</summary>
    private static async Task ShutdownEndsTheWaitingSend(DestinationExporter exporter, int spans, TimeSpan? within = null)
    {
        TimeSpan limit = within ?? TimeSpan.FromSeconds(1.5);
        var watch = Stopwatch.StartNew();
        await exporter.ShutdownAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);
        Assert.True(watch.Elapsed < limit, $"the shutdown took {watch.Elapsed.TotalMilliseconds:0} ms, with a timeout of 200 ms");
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(spans, stats.Dropped(DropReason.Shutdown));
        AssertAccounting(stats);
    }

    /// <summary>Services with the SDK's own client, whose exporters run on threads of their own or on the pool.</summary>
    internal static ExporterServices Services(bool dedicated, IExportEventListener? events = null)
        => new() { Resource = Resource, Events = events, MaxDedicatedExportThreads = dedicated ? 16 : 0 };

    /// <summary>A receiver that answers every request 401: each batch is a failure and a drop, which the loop reports
    /// on its own thread.</summary>
    private static Task<OtlpTestReceiver> RefusingReceiverAsync()
        => OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Status(401) });

    /// <summary>The kit's options with one attempt per batch (and the attempt's <paramref name="timeout"/>).</summary>
    private static OtlpDestinationOptions OneAttempt(Uri endpoint, TimeSpan? timeout = null)
    {
        OtlpDestinationOptions options = Options(endpoint);
        options.MaxAttempts = 1;
        options.Timeout = timeout ?? options.Timeout;
        return options;
    }

    /// <summary>A status line, headers, and the first byte of a body whose <c>Content-Length</c> promises 100.</summary>
    private static byte[] StalledAnswer(int status)
        => Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Stalled\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{");

    /// <summary>Notes the thread of every export event, by destination.</summary>
    private sealed class ThreadListener : IExportEventListener
    {
        private readonly ConcurrentQueue<(string Destination, bool OnPool, string? Name)> _events = new();

        public IReadOnlyList<(bool OnPool, string? Name)> Threads => [.. _events.Select(e => (e.OnPool, e.Name))];

        public IReadOnlyList<(bool OnPool, string? Name)> ThreadsOf(string destination)
            => [.. _events.Where(e => e.Destination == destination).Select(e => (e.OnPool, e.Name))];

        public void ExportFailed(string destination, string error, bool willRetry) => Note(destination);

        public void SpansDropped(string destination, DropReason reason, long count) => Note(destination);

        private void Note(string destination) => _events.Enqueue((destination, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
    }

    /// <summary>Notes, at every export event, the async-local value the loop sees.</summary>
    private sealed class AmbientListener : IExportEventListener
    {
        public static readonly AsyncLocal<string?> Ambient = new();

        public ConcurrentQueue<string?> Seen { get; } = new();

        public void ExportFailed(string destination, string error, bool willRetry) => Seen.Enqueue(Ambient.Value);

        public void SpansDropped(string destination, DropReason reason, long count) => Seen.Enqueue(Ambient.Value);
    }

    /// <summary>A real HTTP stack under a handler that overrides only <c>SendAsync</c>, and counts what went through it.</summary>
    private sealed class AsyncOnlyHandler() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        private int _sent;

        public int Sent => Volatile.Read(ref _sent);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sent);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>
    /// A loopback HTTP/1.1 server that reads each request and answers with the same bytes; then it closes the
    /// connection, or sends nothing more until the client closes it.
    /// </summary>
    private sealed class CannedAnswerServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _clientClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly byte[] _answer;
        private readonly bool _thenClose;
        private readonly Task _accepting;

        public CannedAnswerServer(byte[] answer, bool thenClose)
        {
            _answer = answer;
            _thenClose = thenClose;
            _listener.Start();
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1/traces");
            _accepting = AcceptAsync();
        }

        public Uri Endpoint { get; }

        public Task WaitUntilTheClientClosedAsync(TimeSpan patience) => _clientClosed.Task.WaitAsync(patience);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    connections.Add(ServeAsync(await _listener.AcceptSocketAsync(_stop.Token)));
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }

            await Task.WhenAll(connections);
        }

        private async Task ServeAsync(Socket socket)
        {
            using (socket)
            {
                try
                {
                    await ReadRequestAsync(socket);
                    await socket.SendAsync(_answer, SocketFlags.None, _stop.Token);
                    if (_thenClose)
                    {
                        socket.Shutdown(SocketShutdown.Both);
                        return;
                    }

                    // Nothing more: the client gives up, and closes the connection.
                    byte[] rest = new byte[1024];
                    while (await socket.ReceiveAsync(rest, SocketFlags.None, _stop.Token) > 0)
                    {
                    }

                    _clientClosed.TrySetResult();
                }
                catch (SocketException)
                {
                    // Reset by the client: closed too.
                    _clientClosed.TrySetResult();
                }
                catch (OperationCanceledException)
                {
                    // The server stopped.
                }
            }
        }

        /// <summary>Reads the headers and then the body their <c>Content-Length</c> announces.</summary>
        private async Task ReadRequestAsync(Socket socket)
        {
            var received = new List<byte>();
            byte[] buffer = new byte[16 * 1024];
            int headerEnd = -1;
            int bodyLength = 0;
            while (headerEnd < 0 || received.Count < headerEnd + 4 + bodyLength)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    throw new SocketException((int)SocketError.ConnectionReset);
                }

                received.AddRange(buffer.AsSpan(0, read));
                if (headerEnd < 0 && (headerEnd = Encoding.ASCII.GetString([.. received]).IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    string headers = Encoding.ASCII.GetString([.. received], 0, headerEnd);
                    string length = headers.Split("\r\n").Single(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                    bodyLength = int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
    }
}

/// <summary>
/// That a loop on a thread of its own really sends synchronously: the HTTP stack's own activity for each request ends
/// on the loop's thread, where an awaited send ends it on the thread pool thread that its answer woke. Serial: activity
/// listeners are process-wide, and every other test's requests would be traced while this one listens.
/// </summary>
[Collection(OtlpEncoding.SerialEncodingCollection.Name)]
public class SynchronousSendTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheHttpStackEndsEachRequestOnTheLoopsOwnThreadOnlyWhenItSendsSynchronously(bool dedicated)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string endpoint = receiver.TracesEndpoint.AbsoluteUri;
        var ended = new ConcurrentQueue<(bool OnPool, string? Name)>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("url.full") is string url && url.StartsWith(endpoint, StringComparison.Ordinal))
                {
                    ended.Enqueue((Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using DestinationExporter exporter = Exporter(Options(receiver), DedicatedExportThreadTests.Services(dedicated));

        for (int i = 0; i < 3; i++)
        {
            EnqueueSpans(exporter, 1, firstIndex: i);
            await FlushOrFail(exporter);
        }

        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal(3, ended.Count);
        Assert.All(ended, thread => Assert.Equal(dedicated ? (false, "OtlpBroadcast exporter") : (true, thread.Name), thread));
    }
}

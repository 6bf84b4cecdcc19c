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
/// Where an exporter's loop runs and how it sends (<see cref="ExporterServices.DedicatedExportThreads"/>): on a thread
/// of its own, sending synchronously, with the SDK's own client (the default); on the thread pool, sending
/// asynchronously, when turned off or when a client is given. The synchronous send ends a wait for an answer as the
/// asynchronous one does. Every test of <see cref="DestinationExporterFaultTests"/> runs both ways as well.
/// </summary>
public class DedicatedExportThreadTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheLoopRunsOnAThreadOfItsOwnWhenAskedAndOnThePoolWhenNot(bool dedicated)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.Status(401),
        });
        var listener = new ThreadListener();
        await using DestinationExporter exporter = Exporter(
            Options(receiver), new ExporterServices { Resource = Resource, Events = listener, DedicatedExportThreads = dedicated });

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

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
    public async Task AGivenClientSendsOnThePoolThroughEveryHandlerEvenWhenDedicatedThreadsAreAskedFor()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.Status(401),
        });

        // A handler that overrides only SendAsync, as most do (authentication, logging): a synchronous send would pass
        // it by, since DelegatingHandler.Send goes straight to the handler under it.
        using var handler = new AsyncOnlyHandler();
        var listener = new ThreadListener();
        var services = new ExporterServices { Resource = Resource, Events = listener, HttpClient = new HttpMessageInvoker(handler, disposeHandler: false) };
        Assert.True(services.DedicatedExportThreads);
        await using DestinationExporter exporter = Exporter(Options(receiver), services);

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        Assert.Single(receiver.Requests);
        Assert.Equal(1, handler.Sent);
        Assert.All(listener.Threads, thread => Assert.True(thread.OnPool));
    }

    [Theory]
    [InlineData(true, 200)]
    [InlineData(false, 200)]
    [InlineData(true, 503)]
    [InlineData(false, 503)]
    public async Task AnAnswerWhoseBodyStallsEndsAtTheTimeout(bool dedicated, int status)
    {
        await using var server = new StallingBodyServer(status);
        OtlpDestinationOptions options = Options(server.Endpoint);
        options.Timeout = TimeSpan.FromSeconds(1);
        options.MaxAttempts = 1;
        DestinationExporter exporter = Exporter(options, new ExporterServices { Resource = Resource, DedicatedExportThreads = dedicated });
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
    public async Task AShutdownEndsASendThatWaitsForAnAnswer(bool dedicated)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.Hang(TimeSpan.FromMinutes(2)),
        });
        OtlpDestinationOptions options = Options(receiver);
        options.Timeout = TimeSpan.FromMinutes(1);
        options.ExportTimeout = TimeSpan.FromMinutes(1);
        DestinationExporter exporter = Exporter(options, new ExporterServices { Resource = Resource, DedicatedExportThreads = dedicated });

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

    /// <summary>Notes the thread of every export event.</summary>
    private sealed class ThreadListener : IExportEventListener
    {
        public ConcurrentQueue<(bool OnPool, string? Name)> Threads { get; } = new();

        public void ExportFailed(string destination, string error, bool willRetry) => Note();

        public void SpansDropped(string destination, DropReason reason, long count) => Note();

        private void Note() => Threads.Enqueue((Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
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
    /// A loopback HTTP/1.1 server that reads each request, answers with a status line, headers and the first byte of
    /// a body whose <c>Content-Length</c> promises 100, and then sends nothing more until the client closes.
    /// </summary>
    private sealed class StallingBodyServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _clientClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int _status;
        private readonly Task _accepting;

        public StallingBodyServer(int status)
        {
            _status = status;
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
                    string head = $"HTTP/1.1 {_status} Stalled\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{";
                    await socket.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, _stop.Token);

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

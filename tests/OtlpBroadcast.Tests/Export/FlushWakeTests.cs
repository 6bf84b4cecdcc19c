using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>When a waiting flush wakes.</summary>
public class FlushWakeTests
{
    [Fact]
    public async Task AFlushIsWokenWhenItsOwnSpansAreSettledWhileALaterFlushStillWaits()
    {
        // Batches of one span, each request let through by the test: the first flush covers one span, the second five.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var turnstile = new TurnstileHandler();
        OtlpDestinationOptions options = Options(receiver);
        options.MaxExportBatchSize = 1;
        options.MaxQueueSize = 16;
        await using DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(turnstile, Resource));

        Enqueue(exporter, Span(0));
        Task<bool> first = exporter.FlushAsync(Patience);
        await turnstile.WaitForArrivals(1);
        EnqueueSpans(exporter, 4);
        Task<bool> second = exporter.FlushAsync(Patience);

        turnstile.Admit(1);
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10)), "the first flush's span was delivered");
        Assert.False(second.IsCompleted, "four spans of the second flush are still held back");

        turnstile.Admit(4);
        Assert.True(await second.WaitAsync(Patience));
        Assert.Equal(5, exporter.GetStatistics().Exported);
    }

    /// <summary>Lets requests through one permit at a time.</summary>
    private sealed class TurnstileHandler() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        private readonly SemaphoreSlim _permits = new(0);
        private int _arrivals;

        public void Admit(int requests) => _permits.Release(requests);

        public async Task WaitForArrivals(int count)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (Volatile.Read(ref _arrivals) < count)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _arrivals);
            await _permits.WaitAsync(cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _permits.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

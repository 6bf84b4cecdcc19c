using OtlpBroadcast.Export;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>Shutting an exporter down from two callers at once: both return only once the one shutdown has ended.</summary>
public sealed class ShutdownConcurrencyTests
{
    [Fact]
    public async Task ASecondDisposeWaitsUntilTheFirstShutdownHasDrainedAndCountedTheQueue()
    {
        // The loop is stuck in its first send (batches of one span); the rest stays queued. The first shutdown gives
        // up at once, and its drain of the queue is held inside the listener until the test lets it go.
        using var gate = new GatedHandler();
        var drainEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseDrain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = new ExporterServices
        {
            Resource = Resource,
            HttpClient = new HttpClient(gate),
            Events = new BlockingDrainListener(drainEntered, releaseDrain),
        };
        OtlpDestinationOptions options = Options(new Uri("http://127.0.0.1:9/v1/traces"));
        options.MaxExportBatchSize = 1;
        DestinationExporter exporter = Exporter(options, services);
        EnqueueSpans(exporter, 10);

        Task first = Task.Run(() => exporter.ShutdownAsync(TimeSpan.Zero));
        await drainEntered.Task.WaitAsync(Patience);

        // The first shutdown is draining the queue now: a second dispose must not report the exporter stopped yet.
        Task second = exporter.DisposeAsync().AsTask();
        Task third = exporter.ShutdownAsync(TimeSpan.FromSeconds(1));
        bool returnedEarly = second.IsCompleted || third.IsCompleted;

        releaseDrain.TrySetResult();
        await Task.WhenAll(first, second, third).WaitAsync(Patience);

        Assert.False(returnedEarly, "a second shutdown returned while the first was still draining the queue");
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(10, stats.Dropped(DropReason.Shutdown));
        AssertAccounting(stats);
        Assert.False(exporter.IsRunning);
    }

    /// <summary>Holds the drain of the queue after the loop has ended (the one drop of more than one span) until
    /// released; the loop's own drop of its one-span batch passes.</summary>
    private sealed class BlockingDrainListener(TaskCompletionSource entered, TaskCompletionSource release) : IExportEventListener
    {
        public void ExportFailed(string destination, string error, bool willRetry)
        {
        }

        public void SpansDropped(string destination, DropReason reason, long count)
        {
            if (reason == DropReason.Shutdown && count > 1)
            {
                entered.TrySetResult();
                release.Task.Wait(Patience);
            }
        }
    }
}

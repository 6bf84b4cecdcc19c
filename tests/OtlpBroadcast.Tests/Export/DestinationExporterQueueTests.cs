using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>The bounded queue, flushing and shutting down.</summary>
public class DestinationExporterQueueTests
{
    [Fact]
    public async Task AFullQueueDropsAndCountsWithoutBlockingAndDeliversWhatItAccepted()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var gate = new GatedHandler();
        OtlpDestinationOptions options = Options(receiver);
        options.MaxQueueSize = 4;
        options.MaxExportBatchSize = 2;
        await using DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(gate, Resource));

        // Two spans fill a batch: the loop takes them and waits at the gate, leaving an empty queue of four.
        List<OtlpSpan> first = EnqueueSpans(exporter, 2);
        await gate.FirstRequestArrived.WaitAsync(Patience);
        var offered = Enumerable.Range(2, 10).Select(i => Span(i)).ToList();
        List<bool> accepted = [.. offered.Select(span => Enqueue(exporter, span))];

        Assert.Equal([true, true, true, true, false, false, false, false, false, false], accepted);
        DestinationStatistics full = exporter.GetStatistics();
        Assert.Equal(12, full.Offered);
        Assert.Equal(6, full.Accepted);
        Assert.Equal(6, full.Dropped(DropReason.QueueFull));
        Assert.Equal(6, full.Pending);
        AssertAccounting(full, settled: false);

        gate.Open();
        await FlushOrFail(exporter);

        AssertNoDecodeErrors(receiver);
        Assert.Equal([.. Names(first), .. Names(offered.Take(4))], StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(6, stats.Exported);
        Assert.Equal(6, stats.Dropped(DropReason.QueueFull));
        Assert.Equal(6, stats.DroppedTotal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task WithAHangingReceiverTheQueueFillsFlushTimesOutAndShutdownDropsTheRest()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiverOptions = new OtlpTestReceiverOptions
        {
            Responder = (_, _) =>
            {
                arrived.TrySetResult();
                return ReceiverResponse.Hang(TimeSpan.FromMinutes(2));
            },
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(receiverOptions);
        OtlpDestinationOptions options = Options(receiver);
        options.MaxQueueSize = 3;
        options.MaxExportBatchSize = 1;
        options.Timeout = TimeSpan.FromSeconds(30);
        options.ExportTimeout = TimeSpan.FromSeconds(60);
        DestinationExporter exporter = Exporter(options);
        try
        {
            EnqueueSpans(exporter, 1);
            await arrived.Task.WaitAsync(Patience);
            int accepted = Enumerable.Range(1, 8).Count(i => Enqueue(exporter, Span(i)));

            Assert.Equal(3, accepted);
            Assert.False(await exporter.FlushAsync(TimeSpan.FromMilliseconds(300)), "the flush claims success while the receiver hangs");
            DestinationStatistics hanging = exporter.GetStatistics();
            Assert.Equal(9, hanging.Offered);
            Assert.Equal(5, hanging.Dropped(DropReason.QueueFull));
            Assert.Equal(4, hanging.Pending);
            AssertAccounting(hanging, settled: false);

            await exporter.ShutdownAsync(TimeSpan.FromMilliseconds(300));
        }
        finally
        {
            await exporter.DisposeAsync();
        }

        ReceivedRequest abandoned = await receiver.WaitForRequestAsync(0, Patience);
        Assert.True(abandoned.ClientAborted, "the shutdown did not abandon the hanging request");
        Assert.Empty(receiver.Spans);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(0, stats.Exported);
        Assert.Equal(5, stats.Dropped(DropReason.QueueFull));
        Assert.Equal(4, stats.Dropped(DropReason.Shutdown));
        Assert.Equal(1, stats.Requests);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task FlushReturnsTrueOnceEverythingIsSettledAndWhenThereIsNothing()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationExporter exporter = Exporter(Options(receiver));

        Assert.True(await exporter.FlushAsync(TimeSpan.FromSeconds(5)));
        List<OtlpSpan> spans = EnqueueSpans(exporter, 5);
        Assert.Equal(5, exporter.GetStatistics().Pending);
        Assert.True(await exporter.FlushAsync(Patience));

        // True means settled, not "some time later": the spans are at the receiver when it returns.
        Assert.Equal(Names(spans), StoredNames(receiver));
        AssertAccounting(exporter.GetStatistics());
    }

    [Fact]
    public async Task DisposeSendsWhatIsQueuedThenRefusesAndCountsNewSpans()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        DestinationExporter exporter = Exporter(Options(receiver));
        List<OtlpSpan> spans = EnqueueSpans(exporter, 3);

        await exporter.DisposeAsync();

        AssertNoDecodeErrors(receiver);
        Assert.Equal(Names(spans), StoredNames(receiver));
        Assert.False(Enqueue(exporter, Span(3)));
        Assert.False(Enqueue(exporter, Span(4)));
        await exporter.DisposeAsync();
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(5, stats.Offered);
        Assert.Equal(3, stats.Exported);
        Assert.Equal(2, stats.Dropped(DropReason.Shutdown));
        Assert.Equal(2, stats.DroppedTotal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AfterShutdownTryEnqueueReturnsFalseAndCountsShutdown()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationExporter exporter = Exporter(Options(receiver));
        Assert.True(exporter.IsRunning);

        await exporter.ShutdownAsync(TimeSpan.FromSeconds(5));

        Assert.False(exporter.IsRunning);
        Assert.False(Enqueue(exporter, Span(0)));
        Assert.True(await exporter.FlushAsync(TimeSpan.FromSeconds(1)));
        Assert.Empty(receiver.Requests);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Offered);
        Assert.Equal(0, stats.Accepted);
        Assert.Equal(1, stats.Dropped(DropReason.Shutdown));
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AZeroScheduledDelaySendsEachSpanWithoutAFlush()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.ScheduledDelay = TimeSpan.Zero;
        await using DestinationExporter exporter = Exporter(options);

        List<OtlpSpan> spans = EnqueueSpans(exporter, 3);
        await receiver.WaitForSpansAsync(3, Patience);

        Assert.Equal(Names(spans), StoredNames(receiver));
    }
}

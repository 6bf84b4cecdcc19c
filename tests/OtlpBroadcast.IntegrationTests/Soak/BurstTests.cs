using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using Xunit.Abstractions;
using static OtlpBroadcast.IntegrationTests.Soak.SoakReport;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// Memory under a burst (issue 7, end to end): a producer records ten times as many spans as the destination's queue
/// holds, as fast as one thread can, while the backend is away. What is held stays within the queue's bound, whatever
/// the burst's size; every span beyond it is dropped and counted; when the backend is back everything settles.
/// </summary>
[Collection(SoakCollection.Name)]
public class BurstTests(ITestOutputHelper output)
{
    private const int QueueSpans = 4096;

    /// <summary>A generous size for one queued span of the soak's generations (content up to about 1.6 KB, in a pooled
    /// array that may be larger than the span).</summary>
    private const int BytesPerQueuedSpan = 8 * 1024;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ATenfoldBurstIsHeldWithinTheQueueBoundAndEverySpanBeyondItIsCounted()
    {
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions
        {
            Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.Accept),
        });
        var options = new OtlpDestinationOptions
        {
            Name = "burst",
            Endpoint = receiver.TracesEndpoint.AbsoluteUri,
            MaxQueueSize = QueueSpans,
            MaxExportBatchSize = 512,
            ScheduledDelay = TimeSpan.FromMilliseconds(100),
            Timeout = TimeSpan.FromSeconds(10),
            ExportTimeout = TimeSpan.FromSeconds(15),
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(400),
        };
        var registry = new DestinationRegistry(new ExporterServices { Resource = new OtlpResource("burst") });
        await registry.AddAsync(OtlpDestination.Create(options));
        DestinationExporter exporter = Assert.Single(registry.Exporters);
        var broadcaster = new GenerationBroadcaster(registry);

        // The usual pace first, delivered: pools and queues at their working size.
        long sequence = 0;
        for (; sequence < 500; sequence++)
        {
            SoakGenerations.Record(broadcaster, "steady", producer: 0, sequence, out _);
        }

        Assert.True(await registry.FlushAsync(Patience), $"the steady phase did not settle: {exporter.GetStatistics()}");
        long baseline = ProcessProbe.LiveHeapBytes();

        // The burst, with nothing leaving: the queue fills and stays full.
        await receiver.StopListeningAsync();
        DestinationStatistics before = exporter.GetStatistics();
        long burstSpans = 0;
        while (burstSpans < 10L * QueueSpans)
        {
            burstSpans += SoakGenerations.Record(broadcaster, "burst", producer: 0, sequence++, out _);
        }

        long held = ProcessProbe.LiveHeapBytes() - baseline;
        DestinationStatistics during = exporter.GetStatistics();

        await receiver.ResumeListeningAsync();
        Assert.True(await registry.FlushAsync(Patience), $"the burst did not settle once the backend was back: {exporter.GetStatistics()}");
        await registry.DisposeAsync();
        DestinationStatistics after = exporter.GetStatistics();

        long bound = ((long)QueueSpans + options.MaxExportBatchSize) * BytesPerQueuedSpan;
        long droppedInBurst = during.DroppedTotal - before.DroppedTotal;
        new SoakReport("A tenfold burst", SoakProfile.Current)
            .Line(Invariant($"One thread records {burstSpans:N0} spans (ten times the queue of {QueueSpans:N0}) as fast as it can while the backend refuses connections."))
            .Line("")
            .Line("| figure | value |")
            .Line("| --- | --- |")
            .Fact("live heap held after the burst, over the steady phase", Invariant($"{held / 1024.0 / 1024.0:F1} MB (bound {bound / 1024.0 / 1024.0:F1} MB; the burst's spans take about {burstSpans * 3.0 / 1024.0:F0} MB)"))
            .Fact("spans waiting when the burst ended", Invariant($"{during.Pending:N0}"))
            .Fact("dropped during the burst, by reason", Drops(during with { Dropped = during.Dropped.ToDictionary(d => d.Key, d => d.Value - before.Dropped[d.Key]) }))
            .Fact("whole run: offered / exported / dropped", Invariant($"{after.Offered:N0} / {after.Exported:N0} / {after.DroppedTotal:N0}"))
            .Publish(output);

        // Held: no more than the queue and one batch in flight, though the burst was ten times that.
        Assert.InRange(held, long.MinValue, bound);
        Assert.InRange(during.Pending, 0, QueueSpans + options.MaxExportBatchSize);

        // Everything beyond it was dropped and counted, and the accounting is exact once it settled.
        Assert.True(droppedInBurst >= burstSpans - QueueSpans - options.MaxExportBatchSize, $"{droppedInBurst} dropped of a burst of {burstSpans}");
        Assert.True(during.Dropped[DropReason.QueueFull] - before.Dropped[DropReason.QueueFull] > 0, "a full queue drops");
        Assert.Equal(0, after.Pending);
        Assert.Equal(after.Offered, after.Exported + after.Rejected + after.DroppedTotal);
    }
}

using System.Diagnostics;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using Xunit.Abstractions;
using static OtlpBroadcast.IntegrationTests.Soak.SoakReport;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// A backend that goes away (connection refused) for a long time and comes back on the same port: the exporter keeps
/// going without a restart, counts by reason what it dropped meanwhile, and delivers again once the backend is back.
/// The exporter has no notion of an outage, only per-batch retries with backoff, and its HTTP timeouts and waits run on
/// real time, so the outage is played in real time with short backoffs (100 to 400 ms): the CI profile keeps the
/// backend down for 8 s (about 45 refused attempts, 9 batches given up, the queue overflowing), which is what minutes
/// look like to the exporter, only fewer times over; the long profile keeps it down for
/// <see cref="SoakProfile.SecondsVariable"/> seconds.
/// </summary>
[Collection(SoakCollection.Name)]
public class OutageRecoveryTests(ITestOutputHelper output)
{
    private const string Before = "before the outage";
    private const string During = "during the outage";
    private const string Resuming = "while coming back";
    private const string After = "after the recovery";

    private static readonly SoakProfile Profile = SoakProfile.Current;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ADestinationDownForALongTimeRecoversWithoutARestartAndReportsWhatItDropped()
    {
        var storedByPhase = new Dictionary<string, long>();
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions
        {
            Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.Accept),
            OnRequest = request =>
            {
                lock (storedByPhase)
                {
                    foreach (ReceivedSpan root in request.Spans.Take(request.StoredSpans).Where(s => s.Kind == 2))
                    {
                        storedByPhase[root.Name] = storedByPhase.GetValueOrDefault(root.Name) + 1;
                    }
                }
            },
        });
        var options = new OtlpDestinationOptions
        {
            Name = "comes-back",
            Endpoint = receiver.TracesEndpoint.AbsoluteUri,
            MaxQueueSize = 512,
            MaxExportBatchSize = 64,
            ScheduledDelay = TimeSpan.FromMilliseconds(100),
            // Refused connections fail at once: a batch gives up after its 5 attempts (about 1 s of backoff). The
            // timeouts only need to stay clear of a slow answer on a loaded machine.
            Timeout = TimeSpan.FromSeconds(10),
            ExportTimeout = TimeSpan.FromSeconds(15),
            MaxAttempts = 5,
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(400),
        };
        var events = new RecentExportEvents();
        var registry = new DestinationRegistry(new ExporterServices { Resource = new OtlpResource("soak-outage"), Events = events });
        await registry.AddAsync(OtlpDestination.Create(options));
        DestinationExporter exporter = Assert.Single(registry.Exporters);
        var broadcaster = new GenerationBroadcaster(registry);
        var producers = new SoakProducers(broadcaster, producers: 1, generationsPerSecond: 50, Before);
        producers.Start();

        // Delivering first (the first request of a cold process can take a while on a loaded machine), then a while.
        var clock = Stopwatch.StartNew();
        while (exporter.GetStatistics().Exported == 0)
        {
            Assert.True(clock.Elapsed < Patience, $"nothing was delivered within {Patience}: {exporter.GetStatistics()}");
            await Task.Delay(50);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        await receiver.StopListeningAsync();
        producers.Label = During;
        DestinationStatistics atStop = exporter.GetStatistics();

        // Stopping lets requests in flight finish: what the receiver confirmed by now is all it will have confirmed
        // when the outage ends (the exporter may count the last of it a moment after this point).
        long confirmedAtStop = receiver.Summarize().StoredOnDeliveredAnswers;
        await Task.Delay(Profile.Outage);
        DestinationStatistics atEnd = exporter.GetStatistics();

        producers.Label = Resuming;
        DateTimeOffset resumed = DateTimeOffset.UtcNow;
        await receiver.ResumeListeningAsync();
        clock.Restart();
        while (exporter.GetStatistics().LastSuccessTime is not { } success || success < resumed)
        {
            Assert.True(clock.Elapsed < Patience, $"no batch was delivered within {Patience} after the backend came back: {exporter.GetStatistics()}");
            await Task.Delay(50);
        }

        TimeSpan recovery = clock.Elapsed;

        // The backlog of the outage drains first; what is recorded from then on must all arrive.
        while (exporter.GetStatistics().Pending > options.MaxExportBatchSize)
        {
            Assert.True(clock.Elapsed < Patience, $"the backlog did not drain within {Patience} after the backend came back: {exporter.GetStatistics()}");
            await Task.Delay(20);
        }

        producers.Label = After;
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(producers.Stop(TimeSpan.FromSeconds(30)), "the producer thread did not end");
        Assert.True(await registry.FlushAsync(Patience), "the destination did not settle after the recovery");
        Assert.True(exporter.IsRunning, "the same exporter kept running through the outage");
        await registry.DisposeAsync();
        await receiver.StopListeningAsync();

        DestinationStatistics stats = exporter.GetStatistics();
        FaultReceiverSummary summary = receiver.Summarize();
        IReadOnlyDictionary<string, (long Generations, long Spans)> recorded = producers.ByLabel();
        long droppedDuringOutage = atEnd.DroppedTotal - atStop.DroppedTotal;
        new SoakReport("Destination down, then back", Profile)
            .Line(Invariant($"One producer at 50 generations/s; the receiver refused connections for {Profile.Outage.TotalSeconds:0} s, then listened again on the same port."))
            .Line("")
            .Line("| figure | value |")
            .Line("| --- | --- |")
            .Fact("spans recorded / exported / dropped", Invariant($"{stats.Offered:N0} / {stats.Exported:N0} / {stats.DroppedTotal:N0}"))
            .Fact("dropped while the backend was down, by reason", Drops(atEnd with { Dropped = atEnd.Dropped.ToDictionary(d => d.Key, d => d.Value - atStop.Dropped[d.Key]) }))
            .Fact("dropped in the whole run, by reason", Drops(stats))
            .Fact("requests (retries) during the outage", Invariant($"{atEnd.Requests - atStop.Requests:N0} ({atEnd.Retries - atStop.Retries:N0})"))
            .Fact("last error reported during the outage", atEnd.LastError ?? "none")
            .Fact("first delivery after the backend came back", Invariant($"{recovery.TotalMilliseconds:0} ms"))
            .Fact("requests the receiver cut when it stopped", Invariant($"{summary.UnreadRequests}"))
            .Fact("generations recorded / stored per phase", string.Join("; ", recorded.Select(p => Invariant($"{p.Key}: {p.Value.Generations:N0} / {storedByPhase.GetValueOrDefault(p.Key):N0}"))))
            .Publish(output);

        // While down: nothing delivered, the failure named, and the spans it could not keep counted by reason.
        Assert.Equal(confirmedAtStop, atEnd.Exported);
        Assert.Contains("connection refused", atEnd.LastError, StringComparison.Ordinal);
        Assert.True(atEnd.Dropped[DropReason.RetriesExhausted] > atStop.Dropped[DropReason.RetriesExhausted], "batches given up during the outage are counted as retries exhausted");
        Assert.True(droppedDuringOutage > 0);

        // Back: everything recorded after the first delivery arrived, and nothing is unaccounted for.
        Assert.Equal(recorded[After].Generations, storedByPhase.GetValueOrDefault(After));
        Assert.Equal(producers.Spans, stats.Offered);
        Assert.Equal(0, stats.Pending);
        Assert.Equal(stats.Offered, stats.Exported + stats.DroppedTotal);
        Assert.Equal(0, stats.Rejected);
        Assert.Equal(stats.Exported, summary.StoredOnDeliveredAnswers);
        Assert.Equal(stats.Exported, summary.StoredUnique);
        Assert.True(summary.ResentAfterConfirmation == 0, $"{summary.ResentAfterConfirmation} spans were sent again after the receiver had confirmed them:\n{string.Join("\n", summary.ResentExamples)}\nexport events around them:\n{events.Around(summary.ResentExamples)}");
        Assert.Equal(0, summary.RefusedRequests);
    }
}

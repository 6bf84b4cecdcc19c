using System.Diagnostics;
using System.Text;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using Xunit.Abstractions;
using static OtlpBroadcast.IntegrationTests.Soak.SoakReport;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// Load under faults: producer threads record generations through the real broadcaster to three destinations (JSON
/// and protobuf, privacy on and off), each behind its own <see cref="OtlpFaultReceiver"/> that answers at random
/// (seeded) with successes, partial successes, 429, 500, 503, 413, hangs, resets and cut answers. At the end every
/// span is accounted for exactly, against what the receivers really stored.
/// </summary>
[Collection(SoakCollection.Name)]
public class SoakTests(ITestOutputHelper output)
{
    /// <summary>How much the live heap (after a full collection, at the end of the load, queues full) may grow over
    /// its baseline: three queues of 1,024 encoded spans and what is being sent hold a few MiB; the rest is slack.</summary>
    private const long LiveHeapGrowthBound = 64L * 1024 * 1024;

    /// <summary>How much the working set may grow over its baseline (garbage between collections, Kestrel's and the
    /// HTTP stack's buffers, thread stacks).</summary>
    private const long WorkingSetGrowthBound = 384L * 1024 * 1024;

    /// <summary>What grows with the run's length, and is the test's, not the SDK's: each receiver's record of every
    /// span it saw (a dictionary entry) and each producer's list of request-path costs; generously per span.</summary>
    private const long TestBookkeepingBytesPerSpan = 64;

    private static readonly SoakProfile Profile = SoakProfile.Current;

    /// <summary>Settling everything queued can take a few hang timeouts and Retry-After waits; far less than this.</summary>
    private static readonly TimeSpan FlushPatience = TimeSpan.FromMinutes(2);

    /// <summary>Generous for a loaded 2-core machine; what is asserted is "finished", not "was fast".</summary>
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(10);

    private static readonly SoakDestination[] Destinations =
    [
        new("json-open", OtlpProtocol.HttpJson, PrivacyMode: false, OtlpCompression.None, MaxContentLength: 512, Seed: 101),
        new("protobuf-private", OtlpProtocol.HttpProtobuf, PrivacyMode: true, OtlpCompression.Gzip, MaxContentLength: 32 * 1024, Seed: 202),
        new("protobuf-open", OtlpProtocol.HttpProtobuf, PrivacyMode: false, OtlpCompression.None, MaxContentLength: 32 * 1024, Seed: 303),
    ];

    [Fact]
    public async Task UnderRandomFaultsEverySpanIsStoredDroppedOrRejectedExactly()
    {
        long[] bodiesWithContent = new long[Destinations.Length];
        var receivers = new OtlpFaultReceiver[Destinations.Length];
        for (int i = 0; i < Destinations.Length; i++)
        {
            int index = i;
            receivers[i] = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions
            {
                Seed = Destinations[i].Seed,

                // The warm-up's requests are answered; after it, Reset starts the sequence (and this script) again.
                Script = [ReceiverFault.Accept, ReceiverFault.Accept, ReceiverFault.Accept, ReceiverFault.Accept],
                OnRequest = request =>
                {
                    if (request.DecompressedBody.Span.IndexOf(Encoding.ASCII.GetBytes(SoakGenerations.ContentMarker)) >= 0)
                    {
                        Interlocked.Increment(ref bodiesWithContent[index]);
                    }
                },
            });
        }

        // Warm-up, outside the accounting: the JIT, Kestrel, the decoders and the HTTP stack start (and start their
        // threads) before the baseline is taken, and no first request is slow enough to pass a client timeout.
        await using (DestinationRegistry warmUp = await RegistryAsync(receivers, new ExporterServices { Resource = new OtlpResource("soak") }))
        {
            var warmUpBroadcaster = new GenerationBroadcaster(warmUp);
            for (int i = 0; i < 4; i++)
            {
                SoakGenerations.Record(warmUpBroadcaster, "warm-up", producer: 99, sequence: i, out _);
            }

            Assert.True(await warmUp.FlushAsync(FlushPatience), "the warm-up did not settle");
        }

        foreach (OtlpFaultReceiver receiver in receivers)
        {
            receiver.Reset();
        }

        Array.Clear(bodiesWithContent);
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) };
        var events = new RecentExportEvents();
        var services = new ExporterServices { HttpClient = new HttpMessageInvoker(handler, disposeHandler: false), Resource = new OtlpResource("soak"), Events = events };
        DestinationRegistry registry = await RegistryAsync(receivers, services);
        DestinationExporter[] exporters = [.. registry.Exporters];
        var broadcaster = new GenerationBroadcaster(registry);
        int nonPoolBefore = ProcessProbe.NonPoolThreads();
        int threadsBefore = ProcessProbe.AllThreads();

        var probe = new ProcessProbe();
        var producers = new SoakProducers(broadcaster, Profile.Producers, Profile.GenerationsPerSecond, "soak");
        producers.Start();
        await Task.Delay(Profile.Load);
        Assert.True(producers.Stop(TimeSpan.FromSeconds(30)), "a producer thread did not end");
        long recorded = producers.Spans;
        long liveAtLoadEnd = ProcessProbe.LiveHeapBytes();

        var clock = Stopwatch.StartNew();
        bool flushed = await registry.FlushAsync(FlushPatience);
        TimeSpan flushTime = clock.Elapsed;
        DestinationStatistics[] settled = [.. exporters.Select(e => e.GetStatistics())];

        clock.Restart();
        await registry.DisposeAsync();
        TimeSpan shutdownTime = clock.Elapsed;
        foreach (OtlpFaultReceiver receiver in receivers)
        {
            await receiver.DisposeAsync();
        }

        probe.Dispose();
        handler.Dispose();
        DestinationStatistics[] final = [.. exporters.Select(e => e.GetStatistics())];
        FaultReceiverSummary[] summaries = [.. receivers.Select(r => r.Summarize())];
        int nonPoolAfter = ProcessProbe.WaitForNonPoolThreads(nonPoolBefore, TimeSpan.FromSeconds(15));
        int threadsAfter = ProcessProbe.AllThreads();
        double[] costs = producers.CostsMicroseconds();
        long bookkeeping = TestBookkeepingBytesPerSpan * recorded * Destinations.Length;

        new SoakReport("Soak under random faults", Profile)
            .Line(Invariant($"{producers.Generations:N0} generations from {Profile.Producers} producer threads at {Profile.GenerationsPerSecond}/s each for {Profile.Load.TotalSeconds:0} s; {recorded:N0} spans to each of {Destinations.Length} destinations (queues of 1,024 spans, batches of up to 128, request timeout 5 s, 4 attempts per batch)."))
            .Line("")
            .Destinations([.. Destinations.Select((d, i) => (d.Name, d.Kind, final[i], summaries[i]))])
            .Line("")
            .Line("| figure | value |")
            .Line("| --- | --- |")
            .Fact("request-path cost per recording (3 destinations, 3 encodings), p50 / p99 / max", Invariant($"{Percentile(costs, 0.5):0} / {Percentile(costs, 0.99):0} / {Percentile(costs, 1):0} µs"))
            .Fact("live managed heap before the load / at its end, queues full (growth bound)", $"{Megabytes(probe.BaselineLiveHeapBytes)} / {Megabytes(liveAtLoadEnd)} ({Megabytes(LiveHeapGrowthBound)} + {Megabytes(bookkeeping)} of test bookkeeping)")
            .Fact("managed heap sampled every 20 ms, garbage included: peak", Megabytes(probe.PeakHeapBytes))
            .Fact("working set before the load / peak (growth bound)", $"{Megabytes(probe.BaselineWorkingSetBytes)} / {Megabytes(probe.PeakWorkingSetBytes)} ({Megabytes(WorkingSetGrowthBound)} + {Megabytes(bookkeeping)} of test bookkeeping)")
            .Fact("threads that are not pool workers, before / after", Invariant($"{nonPoolBefore} / {nonPoolAfter}"))
            .Fact("all threads, before / after", Invariant($"{threadsBefore} / {threadsAfter}"))
            .Fact("flush after the load / shutdown", Invariant($"{flushTime.TotalSeconds:0.0} s / {shutdownTime.TotalMilliseconds:0} ms (deadline {DestinationExporter.DefaultShutdownTimeout.TotalSeconds:0} s)"))
            .Fact("request bodies holding content, per destination", string.Join(", ", Destinations.Select((d, i) => Invariant($"{d.Name} {bodiesWithContent[i]:N0}"))))
            .Publish(output);

        Assert.True(flushed, $"the destinations did not settle within {FlushPatience}: {string.Join("; ", settled.Select(s => $"{s.Destination} pending {s.Pending}"))}");
        for (int i = 0; i < Destinations.Length; i++)
        {
            AssertUnchangedByShutdown(settled[i], final[i]);
            AssertExactAccounting(Destinations[i], recorded, final[i], summaries[i], events);
            Assert.False(exporters[i].IsRunning, $"{Destinations[i].Name}: the export loop still runs after the registry was disposed");
            bool expectContent = !Destinations[i].PrivacyMode;
            Assert.True(expectContent == bodiesWithContent[i] > 0, $"{Destinations[i].Name}: {bodiesWithContent[i]} request bodies held content (privacy mode {Destinations[i].PrivacyMode})");
        }

        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
        Assert.True(shutdownTime < DestinationExporter.DefaultShutdownTimeout + DeadlineMargin, $"shutdown took {shutdownTime}");
        Assert.True(nonPoolAfter <= nonPoolBefore, $"threads other than pool workers: {nonPoolBefore} before the load, {nonPoolAfter} after everything was disposed");
        long liveGrowth = liveAtLoadEnd - probe.BaselineLiveHeapBytes;
        long workingSetGrowth = probe.PeakWorkingSetBytes - probe.BaselineWorkingSetBytes;
        Assert.True(liveGrowth < LiveHeapGrowthBound + bookkeeping, $"the live heap grew by {Megabytes(liveGrowth)}, over {Megabytes(LiveHeapGrowthBound)} + {Megabytes(bookkeeping)} of test bookkeeping");
        Assert.True(workingSetGrowth < WorkingSetGrowthBound + bookkeeping, $"the working set grew by {Megabytes(workingSetGrowth)}, over {Megabytes(WorkingSetGrowthBound)} + {Megabytes(bookkeeping)} of test bookkeeping");
    }

    [Fact]
    public async Task ShutdownWhileTheBackendHangsEndsWithinItsDeadlineAndCountsEverySpan()
    {
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions
        {
            Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.Hang),
        });
        OtlpDestinationOptions options = Destinations[0].Options(receiver.TracesEndpoint);
        options.Timeout = TimeSpan.FromMinutes(1);
        options.ExportTimeout = TimeSpan.FromMinutes(2);
        var registry = new DestinationRegistry(new ExporterServices { Resource = new OtlpResource("soak") });
        await registry.AddAsync(OtlpDestination.Create(options));
        DestinationExporter exporter = Assert.Single(registry.Exporters);
        var broadcaster = new GenerationBroadcaster(registry);

        long recorded = 0;
        for (int i = 0; i < 20; i++)
        {
            recorded += SoakGenerations.Record(broadcaster, "shutdown", producer: 0, sequence: i, out _);
        }

        // One request hangs at the receiver; the rest waits in the queue behind it.
        Assert.False(await exporter.FlushAsync(TimeSpan.FromMilliseconds(500)));
        var clock = Stopwatch.StartNew();
        while (receiver.Requests.Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }

        for (int i = 20; i < 40; i++)
        {
            recorded += SoakGenerations.Record(broadcaster, "shutdown", producer: 0, sequence: i, out _);
        }

        clock.Restart();
        await registry.DisposeAsync();
        TimeSpan shutdownTime = clock.Elapsed;
        await receiver.StopListeningAsync();

        DestinationStatistics stats = exporter.GetStatistics();
        FaultReceiverSummary summary = receiver.Summarize();
        output.WriteLine(Invariant($"shutdown with a hung request took {shutdownTime.TotalMilliseconds:0} ms (deadline {DestinationExporter.DefaultShutdownTimeout.TotalSeconds:0} s, request timeout {options.Timeout.TotalSeconds:0} s); {recorded} spans recorded: {Drops(stats)}; the receiver kept {summary.StoredOnLostAnswersOnly} of them from the hung request"));

        Assert.True(shutdownTime < DestinationExporter.DefaultShutdownTimeout + DeadlineMargin, $"shutdown took {shutdownTime}, not bounded by its deadline");
        Assert.False(exporter.IsRunning);
        Assert.Equal(recorded, stats.Offered);
        Assert.Equal(0, stats.Pending);
        Assert.Equal(0, stats.Exported);
        Assert.Equal(recorded, stats.Dropped[DropReason.Shutdown]);
        Assert.Equal(recorded, stats.DroppedTotal);
        Assert.Equal(1, summary.Requests);
        Assert.True(summary.StoredOnLostAnswersOnly > 0, "the hung request's spans were stored before the hang");
        Assert.Equal(0, summary.StoredOnDeliveredAnswers);
    }

    [Fact]
    public async Task DisposingWhileProducersRecordUnderFaultsEndsWithinItsDeadlineWithNothingPending()
    {
        var receivers = new OtlpFaultReceiver[Destinations.Length];
        for (int i = 0; i < Destinations.Length; i++)
        {
            receivers[i] = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions { Seed = Destinations[i].Seed + 1 });
        }

        DestinationRegistry registry = await RegistryAsync(receivers, new ExporterServices { Resource = new OtlpResource("soak") });
        DestinationExporter[] exporters = [.. registry.Exporters];
        var producers = new SoakProducers(new GenerationBroadcaster(registry), Profile.Producers, Profile.GenerationsPerSecond, "disposed under load");
        producers.Start();
        await Task.Delay(TimeSpan.FromSeconds(4));

        var clock = Stopwatch.StartNew();
        await registry.DisposeAsync();
        TimeSpan shutdownTime = clock.Elapsed;

        // Producers go on for a moment against the disposed registry: whatever still reaches an exporter is refused
        // and counted.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.True(producers.Stop(TimeSpan.FromSeconds(30)), "a producer thread did not end");
        foreach (OtlpFaultReceiver receiver in receivers)
        {
            await receiver.DisposeAsync();
        }

        DestinationStatistics[] stats = [.. exporters.Select(e => e.GetStatistics())];
        output.WriteLine(Invariant($"disposed under load in {shutdownTime.TotalMilliseconds:0} ms (deadline {DestinationExporter.DefaultShutdownTimeout.TotalSeconds:0} s); {producers.Spans:N0} spans recorded"));
        foreach (DestinationStatistics s in stats)
        {
            output.WriteLine(Invariant($"  {s.Destination}: offered {s.Offered:N0}, exported {s.Exported:N0}, rejected {s.Rejected:N0}, dropped {Drops(s)}"));
        }

        Assert.True(shutdownTime < DestinationExporter.DefaultShutdownTimeout + DeadlineMargin, $"shutdown took {shutdownTime}");
        for (int i = 0; i < exporters.Length; i++)
        {
            FaultReceiverSummary receiver = receivers[i].Summarize();
            Assert.False(exporters[i].IsRunning, $"{stats[i].Destination}: the export loop still runs");
            Assert.Equal(0, stats[i].Pending);
            Assert.Equal(stats[i].Offered, stats[i].Exported + stats[i].Rejected + stats[i].DroppedTotal);
            Assert.True(stats[i].Offered <= producers.Spans, $"{stats[i].Destination}: offered {stats[i].Offered} of {producers.Spans} recorded");

            // An answer the receiver wrote just as the exporter gave up at its deadline counts as dropped there, so
            // here the receiver may have confirmed more than the exporter counted, never less.
            Assert.True(receiver.StoredOnDeliveredAnswers >= stats[i].Exported, $"{stats[i].Destination}: exported {stats[i].Exported}, the receiver confirmed {receiver.StoredOnDeliveredAnswers}");
            Assert.True(receiver.ResentAfterConfirmation == 0, string.Join("\n", receiver.ResentExamples));
            Assert.Equal(0, receiver.RefusedRequests);
        }
    }

    /// <summary>
    /// Every span the destination was offered is exported, rejected or dropped; the exporter's counts match what the
    /// receiver stored and answered; the only copies stored twice follow an answer the exporter never got.
    /// </summary>
    private static void AssertExactAccounting(SoakDestination destination, long recorded, DestinationStatistics stats, FaultReceiverSummary receiver, RecentExportEvents events)
    {
        string name = destination.Name;
        Assert.True(recorded == stats.Offered, $"{name}: {recorded} spans recorded, {stats.Offered} offered");
        Assert.True(stats.Pending == 0, $"{name}: {stats.Pending} spans still pending");
        Assert.True(stats.Offered == stats.Exported + stats.Rejected + stats.DroppedTotal, $"{name}: offered {stats.Offered} ≠ exported {stats.Exported} + rejected {stats.Rejected} + dropped {stats.DroppedTotal}");
        Assert.True(receiver.RefusedRequests == 0, $"{name}: {receiver.RefusedRequests} requests did not decode");
        Assert.True(receiver.StoredOnDeliveredAnswers == stats.Exported, $"{name}: exported {stats.Exported}, but the receiver confirmed storing {receiver.StoredOnDeliveredAnswers}");
        Assert.True(receiver.ResentAfterConfirmation == 0, $"{name}: {receiver.ResentAfterConfirmation} spans were sent again after the receiver had confirmed them:\n{string.Join("\n", receiver.ResentExamples)}\nexport events around them:\n{events.Around(receiver.ResentExamples)}");
        Assert.True(receiver.RejectedSpans == stats.Rejected, $"{name}: rejected {stats.Rejected}, the receiver rejected {receiver.RejectedSpans}");
        Assert.True(receiver.FinalErrorSpans == stats.Dropped[DropReason.FinalHttpError], $"{name}: {stats.Dropped[DropReason.FinalHttpError]} dropped for a final error, the receiver answered 500 to {receiver.FinalErrorSpans}");
        Assert.True(receiver.TooLargeSingleSpans == stats.Dropped[DropReason.TooLarge], $"{name}: {stats.Dropped[DropReason.TooLarge]} dropped as too large, the receiver answered 413 to {receiver.TooLargeSingleSpans} single spans");
        Assert.True(stats.Dropped[DropReason.Shutdown] == 0 && stats.Dropped[DropReason.WrongEncoding] == 0, $"{name}: {Drops(stats)}");

        // The brief's identity: recorded = stored + dropped + rejected, where the spans stored on an answer the
        // exporter never got are the ones it counted as dropped or rejected.
        Assert.True(recorded == receiver.StoredUnique + stats.DroppedTotal + stats.Rejected - receiver.StoredOnLostAnswersOnly, $"{name}: recorded {recorded} ≠ stored {receiver.StoredUnique} + dropped {stats.DroppedTotal} + rejected {stats.Rejected} − stored on lost answers only {receiver.StoredOnLostAnswersOnly}");
        Assert.True(receiver.DistinctSpansReceived <= recorded, $"{name}: the receiver saw {receiver.DistinctSpansReceived} distinct spans, more than the {recorded} recorded");
    }

    /// <summary>A registry with the <see cref="Destinations"/>, each aimed at its receiver.</summary>
    private static async Task<DestinationRegistry> RegistryAsync(OtlpFaultReceiver[] receivers, ExporterServices services)
    {
        var registry = new DestinationRegistry(services);
        foreach ((SoakDestination destination, OtlpFaultReceiver receiver) in Destinations.Zip(receivers))
        {
            await registry.AddAsync(OtlpDestination.Create(destination.Options(receiver.TracesEndpoint)));
        }

        return registry;
    }

    /// <summary>Once everything had settled, disposing sends, drops and retries nothing more.</summary>
    private static void AssertUnchangedByShutdown(DestinationStatistics settled, DestinationStatistics final)
    {
        Assert.Equal(
            (settled.Offered, settled.Exported, settled.Rejected, settled.Pending, settled.Requests, settled.Retries),
            (final.Offered, final.Exported, final.Rejected, final.Pending, final.Requests, final.Retries));
        Assert.True(settled.Dropped.SequenceEqual(final.Dropped), $"{final.Destination}: drops changed after the flush: {Drops(settled)} then {Drops(final)}");
    }

    private sealed record SoakDestination(string Name, OtlpProtocol Protocol, bool PrivacyMode, OtlpCompression Compression, int MaxContentLength, int Seed)
    {
        public string Kind => $"{(Protocol == OtlpProtocol.HttpJson ? "JSON" : "protobuf")}{(Compression == OtlpCompression.Gzip ? "+gzip" : "")}, privacy {(PrivacyMode ? "on" : "off")}";

        public OtlpDestinationOptions Options(Uri endpoint)
        {
            var options = new OtlpDestinationOptions
            {
                Name = Name,
                Endpoint = endpoint.AbsoluteUri,
                Protocol = Protocol,
                PrivacyMode = PrivacyMode,
                Compression = Compression,
                MaxQueueSize = 1024,
                MaxExportBatchSize = 128,
                ScheduledDelay = TimeSpan.FromMilliseconds(200),
                // A hang costs a timeout; a slow real answer on a loaded machine must stay well clear of it.
                Timeout = TimeSpan.FromSeconds(5),
                ExportTimeout = TimeSpan.FromSeconds(10),
                MaxAttempts = 4,
                InitialBackoff = TimeSpan.FromMilliseconds(50),
                MaxBackoff = TimeSpan.FromMilliseconds(500),
            };
            options.Broadcast.MaxContentLength = MaxContentLength;
            return options;
        }
    }
}

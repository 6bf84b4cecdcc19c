using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// Spans that reach a destination's exporter after it was replaced (a destination added again under its name): a
/// recording that read the destinations before the replacement offers them to the old exporter, which has stopped
/// taking spans. They go to the exporter that replaced it when they suit that destination, and are counted there.
/// </summary>
public sealed class DestinationReplacementTests
{
    [Fact]
    public async Task SpansOfferedToAReplacedExporterAreSentByItsReplacement()
    {
        await using OtlpTestReceiver old = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver replacement = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        DestinationExporter held = await AddAsync(registry, Options(old, "main"));
        DestinationExporter current = await AddAsync(registry, Options(replacement, "main"));
        Assert.False(held.IsRunning);
        SpanFragment[] fragments = [OtlpJsonSpanEncoder.Encode(Span(1)), OtlpJsonSpanEncoder.Encode(Span(2)), OtlpJsonSpanEncoder.Encode(Span(3))];
        try
        {
            // As recordings offer spans: one alone (Publish), and a tree in one step (a generation's broadcast).
            Assert.True(held.TryEnqueue(fragments[0]));
            held.TryEnqueueAll(fragments.AsSpan(1));
            Assert.True(await current.FlushAsync(Patience));

            // The replacement's queue took a reference of its own and gave it back once sent: only the test's is left.
            Assert.All(fragments, f => Assert.Equal(1, f.ReferencesForTests));
        }
        finally
        {
            Release(fragments);
        }

        Assert.Equal(["span-1", "span-2", "span-3"], StoredNames(replacement));
        Assert.Empty(old.Requests);
        AssertCounts(current, offered: 3, exported: 3);
        AssertCounts(held, offered: 0);
    }

    [Fact]
    public async Task AReplacementInPrivacyModeGetsNoSpanWithContent()
    {
        const string Canary = "replaced-prompt-canary-3b7d";
        await using OtlpTestReceiver old = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver replacement = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        DestinationExporter held = await AddAsync(registry, Options(old, "main"));
        OtlpDestinationOptions privacy = Options(replacement, "main");
        privacy.PrivacyMode = true;
        DestinationExporter current = await AddAsync(registry, privacy);

        SpanFragment withContent = OtlpJsonSpanEncoder.Encode(Span(1).WithContent("gen_ai.input.messages", Canary));
        SpanFragment withheld = OtlpJsonSpanEncoder.Encode(Span(2).WithContent("gen_ai.input.messages", Canary), includeContent: false);
        try
        {
            // Made for the old destination's settings: the span with content is dropped where it was offered.
            Assert.False(held.TryEnqueue(withContent));
            Assert.True(held.TryEnqueue(withheld));
            Assert.True(await current.FlushAsync(Patience));
            Assert.Equal(1, withContent.ReferencesForTests);
            Assert.Equal(1, withheld.ReferencesForTests);
        }
        finally
        {
            Release(withContent, withheld);
        }

        Assert.Equal(["span-2"], StoredNames(replacement));
        Assert.DoesNotContain(Canary, System.Text.Encoding.UTF8.GetString(Assert.Single(replacement.Requests).DecompressedBody.Span), StringComparison.Ordinal);
        AssertCounts(current, offered: 1, exported: 1);
        AssertCounts(held, offered: 1, droppedAsClosed: 1);
    }

    [Fact]
    public async Task SpansWithheldForAPrivacyModeDestinationGoToAReplacementWithoutPrivacyMode()
    {
        await using OtlpTestReceiver old = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver replacement = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        OtlpDestinationOptions privacy = Options(old, "main");
        privacy.PrivacyMode = true;
        DestinationExporter held = await AddAsync(registry, privacy);
        DestinationExporter current = await AddAsync(registry, Options(replacement, "main"));

        // Withheld for the old settings: sending a span without its content is safe anywhere.
        SpanFragment withheld = OtlpJsonSpanEncoder.Encode(Span(1).WithContent("gen_ai.input.messages", "a prompt"), includeContent: false);
        try
        {
            Assert.True(held.TryEnqueue(withheld));
            Assert.True(await current.FlushAsync(Patience));
        }
        finally
        {
            withheld.Release();
        }

        ReceivedSpan received = Assert.Single(replacement.Spans);
        Assert.False(received.TryGetAttribute("gen_ai.input.messages", out _));
        AssertCounts(current, offered: 1, exported: 1);
        AssertCounts(held, offered: 0);
    }

    /// <summary>A replacement that sends another encoding, or is disabled, takes nothing: the span is dropped where it
    /// was offered, as before, and the replacement counts nothing (no <see cref="DropReason.WrongEncoding"/>).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASpanTheReplacementDoesNotTakeIsDroppedByTheOldExporter(bool disabled)
    {
        await using OtlpTestReceiver old = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver replacement = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        DestinationExporter held = await AddAsync(registry, Options(old, "main"));
        OtlpDestinationOptions options = Options(replacement, "main");
        if (disabled)
        {
            options.Enabled = false;
        }
        else
        {
            options.Protocol = OtlpProtocol.HttpProtobuf;
        }

        DestinationExporter current = await AddAsync(registry, options);

        Assert.False(Enqueue(held, Span(1)));
        Assert.True(await current.FlushAsync(Patience));

        Assert.Empty(replacement.Requests);
        AssertCounts(current, offered: 0);
        AssertCounts(held, offered: 1, droppedAsClosed: 1);
    }

    /// <summary>A removal, or the registry's disposal, leaves nothing to take the spans: they are dropped as before.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AfterARemovalOrADisposalASpanIsDroppedAsBefore(bool dispose)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var registry = new DestinationRegistry(Services);
        DestinationExporter held = await AddAsync(registry, Options(receiver, "main"));
        if (dispose)
        {
            await registry.DisposeAsync();
        }
        else
        {
            Assert.True(await registry.RemoveAsync("main"));
        }

        Assert.False(Enqueue(held, Span(1)));

        Assert.Empty(receiver.Requests);
        AssertCounts(held, offered: 1, droppedAsClosed: 1);
        await registry.DisposeAsync();
    }

    /// <summary>A slow recording still holds the first exporter after the destination was replaced twice: the span
    /// goes from one replaced exporter to the next, and only the one that takes it counts it.</summary>
    [Fact]
    public async Task ASpanOfferedToAnExporterReplacedTwiceReachesTheLatest()
    {
        await using OtlpTestReceiver first = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver second = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver third = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        DestinationExporter oldest = await AddAsync(registry, Options(first, "main"));
        DestinationExporter older = await AddAsync(registry, Options(second, "main"));
        DestinationExporter current = await AddAsync(registry, Options(third, "main"));

        Assert.True(Enqueue(oldest, Span(1)));
        Assert.True(await current.FlushAsync(Patience));

        Assert.Equal(["span-1"], StoredNames(third));
        Assert.Empty(first.Requests);
        Assert.Empty(second.Requests);
        AssertCounts(current, offered: 1, exported: 1);
        AssertCounts(oldest, offered: 0);
        AssertCounts(older, offered: 0);
    }

    /// <summary>
    /// The old exporter's shutdown ends (its timeout has passed, here at once) with span-1 still queued behind a send
    /// that hangs, while a recording queues a tree of two: span-2 goes into the queue before the shutdown drains it,
    /// span-3 after, so the recording thread drains that one itself. All three go to the replacement, each once, and
    /// are counted by the old exporter as handed over; the send it gave up (span-0) is dropped, as before.
    /// </summary>
    [Fact]
    public async Task SpansLeftInTheQueueOrQueuedAfterItWasDrainedGoToTheReplacement()
    {
        await using OtlpTestReceiver old = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver replacement = await OtlpTestReceiver.StartAsync();
        using var gate = new GatedHandler();
        await using DestinationExporter current = Exporter(Options(replacement, "main"));
        await using DestinationExporter held = await StuckExporterAsync(old, gate);
        SpanFragment[] fragments = [OtlpJsonSpanEncoder.Encode(Span(1)), OtlpJsonSpanEncoder.Encode(Span(2)), OtlpJsonSpanEncoder.Encode(Span(3))];
        try
        {
            Assert.True(held.TryEnqueue(fragments[0]));

            // What the registry does, in its order: the link first, then the shutdown. The recording thread stops right
            // after it queued span-2, and the whole shutdown (without a timeout to wait) runs there.
            held.ReplacedBy(current);
            held.QueueForTests.QueuedForTests = () =>
            {
                held.QueueForTests.QueuedForTests = null;
                held.ShutdownAsync(TimeSpan.Zero).GetAwaiter().GetResult();
            };
            await Task.Run(() => held.TryEnqueueAll(fragments.AsSpan(1)));
            Assert.False(held.IsRunning);
            Assert.True(await current.FlushAsync(Patience));
            Assert.All(fragments, f => Assert.Equal(1, f.ReferencesForTests));
        }
        finally
        {
            Release(fragments);
        }

        Assert.Equal(["span-1", "span-2", "span-3"], StoredNames(replacement));
        AssertCounts(current, offered: 3, exported: 3);
        AssertCounts(held, offered: 4, droppedAsClosed: 1, handedOver: 3);
    }

    /// <summary>An exporter of <c>main</c> aimed at <paramref name="receiver"/> through <paramref name="gate"/> (which the
    /// test never opens), one span a batch, whose loop is stuck sending span-0: whatever is queued after it stays in
    /// the queue until the shutdown.</summary>
    private static async Task<DestinationExporter> StuckExporterAsync(OtlpTestReceiver receiver, GatedHandler gate)
    {
        OtlpDestinationOptions options = Options(receiver, "main");
        options.MaxExportBatchSize = 1;
        DestinationExporter exporter = Exporter(options, new ExporterServices { Resource = Resource, HttpClient = new HttpClient(gate) });
        Assert.True(Enqueue(exporter, Span(0)));
        await gate.FirstRequestArrived.WaitAsync(Patience);
        return exporter;
    }

    /// <summary>Adds <paramref name="options"/> and returns the one exporter the registry then has. Returns once the
    /// exporter it replaced (if any) has shut down: what a test does next is what a recording that still holds the
    /// old list does then.</summary>
    private static async Task<DestinationExporter> AddAsync(DestinationRegistry registry, OtlpDestinationOptions options)
    {
        await registry.AddAsync(OtlpDestination.Create(options));
        return Assert.Single(registry.Exporters);
    }

    /// <summary>What <paramref name="exporter"/> counted: spans offered, exported, handed over to its replacement, and
    /// dropped for any reason (only as <see cref="DropReason.Shutdown"/>, by an exporter that had stopped); nothing
    /// pending, nothing unaccounted.</summary>
    private static void AssertCounts(DestinationExporter exporter, long offered, long exported = 0, long droppedAsClosed = 0, long handedOver = 0)
    {
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(offered, stats.Offered);
        Assert.Equal(exported, stats.Exported);
        Assert.Equal(handedOver, stats.HandedOver);
        Assert.Equal(droppedAsClosed, stats.DroppedTotal);
        Assert.Equal(droppedAsClosed, stats.Dropped(DropReason.Shutdown));
        AssertAccounting(stats);
    }

    private static void Release(params SpanFragment[] fragments)
    {
        foreach (SpanFragment fragment in fragments)
        {
            fragment.Release();
        }
    }
}

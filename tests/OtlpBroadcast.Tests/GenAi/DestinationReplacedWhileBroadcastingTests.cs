using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Export;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>A generation completes while one of its destinations is replaced (a user saves new headers in an admin UI
/// while traffic flows): its trace still reaches that destination.</summary>
[Collection(BroadcastCollection.Name)]
public class DestinationReplacedWhileBroadcastingTests
{
    /// <summary>
    /// The broadcast reads the destinations once, then offers the tree to each in turn. Once it has queued the first
    /// span on <c>first</c>, <c>main</c> is replaced, to the end (the old exporter has shut down), before the broadcast
    /// reaches it: it offers the tree to the old exporter, which passes it on to the new one.
    /// </summary>
    [Fact]
    public async Task AGenerationBroadcastWhileItsDestinationIsReplacedReachesTheReplacement()
    {
        await using OtlpTestReceiver first = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver old = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver replacement = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(first, "first"), Options(old, "main"));
        DestinationExporter firstExporter = registry.Exporters[0];
        DestinationExporter held = registry.Exporters[1];
        var broadcaster = new GenerationBroadcaster(registry);
        firstExporter.QueueForTests.QueuedForTests = () =>
        {
            firstExporter.QueueForTests.QueuedForTests = null;
            registry.AddAsync(OtlpDestination.Create(Options(replacement, "main"))).GetAwaiter().GetResult();
        };

        await Task.Run(() =>
        {
            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest(), provider: "openai");
            recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
            recording.CompleteChat(Response());
        });
        Assert.True(await registry.FlushAsync(Patience));

        DestinationExporter current = registry.Exporters.Single(e => e.Destination.Name == "main");
        Assert.NotSame(held, current);
        Assert.False(held.IsRunning);
        Assert.Equal(3, first.Spans.Count);
        Assert.Equal(first.Spans.Select(s => s.SpanId).Order(), replacement.Spans.Select(s => s.SpanId).Order());
        Assert.Empty(old.Requests);
        DestinationStatistics sent = current.GetStatistics();
        Assert.Equal(3, sent.Offered);
        Assert.Equal(3, sent.Exported);
        DestinationStatistics left = held.GetStatistics();
        Assert.Equal(0, left.Offered);
        Assert.Equal(0, left.DroppedTotal);
        ExportTestKit.AssertAccounting(left);
        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
    }
}

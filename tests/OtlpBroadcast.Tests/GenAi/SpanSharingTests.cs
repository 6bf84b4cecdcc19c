using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// With privacy mixed, a tree is encoded twice (with and without content), but only the generation span differs:
/// the top span and the attempts are encoded once and shared by the two variants when they are the same bytes, and
/// never when they are not (a failed tree's message, another length limit, another wire encoding).
/// </summary>
[Collection(BroadcastCollection.Name)]
public class SpanSharingTests
{
    [Fact]
    public async Task SpansWithoutContentAreTheSameAtEveryDestinationAndCountedPerVariant()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions openOptions = Options(open, "open");
        OtlpDestinationOptions withheldOptions = Options(withheld, "private", privacyMode: true);
        openOptions.Broadcast.MaxContentLength = withheldOptions.Broadcast.MaxContentLength = 0;
        await using DestinationRegistry registry = await RegistryAsync(openOptions, withheldOptions);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.User = "u" + new string('1', 300);

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 429, "rate_limited"));
        recording.AddAttempt(new ProviderAttempt("azure", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
        recording.CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        // Every span, attempts included, has the same id at both destinations.
        Assert.Equal(Ids(open), Ids(withheld));
        foreach (string name in new[] { "Chat Handler", "attempt openai", "attempt azure" })
        {
            ReceivedSpan a = open.Spans.Single(s => s.Name == name);
            ReceivedSpan b = withheld.Spans.Single(s => s.Name == name);
            Assert.Equal(a.Attributes.Keys, b.Attributes.Keys);
            Assert.Equal(a.StatusCode, b.StatusCode);
            Assert.Equal(a.StatusMessage, b.StatusMessage);
        }

        // Only the generation differs: content at the open destination alone.
        Assert.True(open.Spans.Single(s => s.Name == "Generate Response").Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.False(withheld.Spans.Single(s => s.Name == "Generate Response").Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "Hello! How can I help"), "content reached the privacy-mode destination");

        // The long user id is cut on the top span and the generation, once per variant, as if each variant had been
        // encoded on its own: a shared span counts for both.
        Assert.All(open.Spans.Concat(withheld.Spans).Where(s => s.Attributes.ContainsKey("user.id")), s => Assert.Equal(128, s["user.id"].AsString().Length));
        Assert.Equal(2 * 2, broadcaster.GetStatistics().TruncatedValues);
    }

    [Fact]
    public async Task AFailedTreesTopSpanIsNotSharedButItsAttemptsAre()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(open, "open"), Options(withheld, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest());
        recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 500, "server_error"));
        recording.Fail("upstream_error", "the upstream said: quoted-prompt-5e1b");
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal("the upstream said: quoted-prompt-5e1b", open.Spans.Single(s => s.Name == "Chat Handler").StatusMessage);
        Assert.Equal("upstream_error", withheld.Spans.Single(s => s.Name == "Chat Handler").StatusMessage);
        Assert.Equal(Ids(open), Ids(withheld));
        Assert.Equal("server_error", withheld.Spans.Single(s => s.Name == "attempt openai").StatusMessage);
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "quoted-prompt-5e1b"), "the error message reached the privacy-mode destination");
    }

    [Fact]
    public async Task VariantsWithAnotherLengthLimitOrWireEncodingEncodeTheirOwnSpans()
    {
        await using OtlpTestReceiver limited = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver unlimited = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protobuf = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions limitedOptions = Options(limited, "limited", privacyMode: true);
        limitedOptions.Broadcast.MaxContentLength = 20;
        OtlpDestinationOptions unlimitedOptions = Options(unlimited, "unlimited");
        unlimitedOptions.Broadcast.MaxContentLength = 0;
        OtlpDestinationOptions protobufOptions = Options(protobuf, "protobuf", privacyMode: true);
        protobufOptions.Broadcast.MaxContentLength = 0;
        protobufOptions.Protocol = OtlpProtocol.HttpProtobuf;
        await using DestinationRegistry registry = await RegistryAsync(unlimitedOptions, limitedOptions, protobufOptions);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        string longValue = "staging-" + new string('s', 60);
        request.Trace!.Metadata["environment"] = System.Text.Json.JsonDocument.Parse($"\"{longValue}\"").RootElement;

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
        recording.CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        // The limited destination's top span has the value cut; the unlimited one's, encoded first, does not.
        Assert.Equal(longValue, unlimited.Spans.Single(s => s.Name == "Chat Handler")["trace.metadata.environment"].AsString());
        Assert.Equal(20, limited.Spans.Single(s => s.Name == "Chat Handler")["trace.metadata.environment"].AsString().Length);

        // The protobuf destination got protobuf spans of its own, nothing dropped for a wrong encoding.
        Assert.Equal(3, protobuf.Spans.Count);
        Assert.Equal(longValue, protobuf.Spans.Single(s => s.Name == "Chat Handler")["trace.metadata.environment"].AsString());
        Assert.All(registry.Exporters, e => Assert.Equal(0, e.GetStatistics().DroppedTotal));
        Assert.Equal(Ids(unlimited), Ids(protobuf));
        Assert.Equal(Ids(unlimited), Ids(limited));
    }

    private static string[] Ids(OtlpTestReceiver receiver)
        => [.. receiver.Spans.Select(s => s.Name + " " + s.SpanId).Order(StringComparer.Ordinal)];
}

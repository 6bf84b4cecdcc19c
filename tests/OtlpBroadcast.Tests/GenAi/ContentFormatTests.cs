using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>The content keys of each <see cref="ContentFormat"/>, and one encoding per variant.</summary>
[Collection(BroadcastCollection.Name)]
public class ContentFormatTests
{
    private static readonly string[] ConventionKeys = ["gen_ai.input.messages", "gen_ai.output.messages"];
    private static readonly string[] RouterKeys = ["gen_ai.prompt", "gen_ai.completion"];

    [Fact]
    public async Task RouterCompatibleGetsPromptAndCompletionWhileConventionsGetsTheMessageKeys()
    {
        await using OtlpTestReceiver conventions = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver router = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions routerOptions = Options(router, "router");
        routerOptions.Broadcast.ContentFormat = ContentFormat.RouterCompatible;
        await using DestinationRegistry registry = await RegistryAsync(Options(conventions, "conventions"), routerOptions);
        var broadcaster = new GenerationBroadcaster(registry);

        broadcaster.StartChat(MissionRequest()).CompleteChat(Response());
        GenerationRecording<ChatCompletionRequest> streamed = broadcaster.StartChat(MissionRequest());
        streamed.AppendOutput("streamed ");
        streamed.AppendOutput("answer");
        streamed.CompleteStream("chatcmpl-1", "openai/gpt-4o", "stop", null);
        Assert.True(await registry.FlushAsync(Patience));

        // The completed call ("gen-…") first, then the streamed one ("chatcmpl-1").
        ReceivedSpan[] conventionGenerations = Generations(conventions);
        ReceivedSpan[] routerGenerations = Generations(router);
        Assert.Equal(2, conventionGenerations.Length);
        Assert.Equal(2, routerGenerations.Length);
        for (int i = 0; i < 2; i++)
        {
            ReceivedSpan byConvention = conventionGenerations[i];
            ReceivedSpan byRouter = routerGenerations[i];
            Assert.Equal(byConvention.SpanId, byRouter.SpanId);
            Assert.All(ConventionKeys, key => Assert.True(byConvention.Attributes.ContainsKey(key), key));
            Assert.All(RouterKeys, key => Assert.False(byConvention.Attributes.ContainsKey(key), key));
            Assert.All(RouterKeys, key => Assert.True(byRouter.Attributes.ContainsKey(key), key));
            Assert.All(ConventionKeys, key => Assert.False(byRouter.Attributes.ContainsKey(key), key));

            // The same JSON under another key; everything else alike.
            Assert.Equal(byConvention["gen_ai.input.messages"].AsString(), byRouter["gen_ai.prompt"].AsString());
            Assert.Equal(byConvention["gen_ai.output.messages"].AsString(), byRouter["gen_ai.completion"].AsString());
            Assert.Equal(
                byConvention.Attributes.Keys.Except(ConventionKeys),
                byRouter.Attributes.Keys.Except(RouterKeys));
        }

        Assert.Equal("""[{"role":"user","parts":[{"type":"text","content":"Hello!"}]}]""", routerGenerations[0]["gen_ai.prompt"].AsString());
        Assert.Contains("streamed answer", routerGenerations[1]["gen_ai.completion"].AsString(), StringComparison.Ordinal);

        // Top spans carry no content in either format.
        Assert.All(conventions.Spans.Concat(router.Spans).Where(s => s["span.type"].AsString() == "trace"), top =>
        {
            Assert.All(ConventionKeys.Concat(RouterKeys), key => Assert.False(top.Attributes.ContainsKey(key), key));
        });
    }

    [Fact]
    public async Task TheRequestIsEncodedOncePerVariantNotOncePerDestination()
    {
        await using OtlpTestReceiver conventions = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver router = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions routerOptions = Options(router, "router");
        routerOptions.Broadcast.ContentFormat = ContentFormat.RouterCompatible;
        OtlpDestinationOptions routerCopy = Options(router, "router-copy");
        routerCopy.Broadcast.ContentFormat = ContentFormat.RouterCompatible;
        await using DestinationRegistry registry = await RegistryAsync(
            Options(conventions, "conventions"), Options(conventions, "conventions-copy"), routerOptions, routerCopy);
        var broadcaster = new GenerationBroadcaster(registry);
        var request = new CountingRequest();

        broadcaster.Start(request, new GenerationContext { Model = "m" }).Complete(Response());
        Assert.True(await registry.FlushAsync(Patience));

        // Two variants (conventions, router) for four destinations.
        Assert.Equal(2, request.Writes);

        // Each destination got the same spans (by reference: the same ids), each receiver twice.
        Assert.Equal(4, conventions.Spans.Count);
        Assert.Equal(4, router.Spans.Count);
        Assert.Equal(2, conventions.Spans.Concat(router.Spans).Select(s => s.SpanId).Distinct().Count());
        Assert.All(conventions.Spans.Where(IsGeneration), s => Assert.Equal("[]", s["gen_ai.input.messages"].AsString()));
        Assert.All(router.Spans.Where(IsGeneration), s => Assert.Equal("[]", s["gen_ai.prompt"].AsString()));
    }

    [Fact]
    public async Task PrivacyModeAndLengthLimitAreVariantsToo()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions limited = Options(receiver, "limited");
        limited.Broadcast.MaxContentLength = 100;
        await using DestinationRegistry registry = await RegistryAsync(
            Options(receiver, "a"), Options(receiver, "b"), Options(receiver, "private", privacyMode: true), limited);
        var broadcaster = new GenerationBroadcaster(registry);
        var request = new CountingRequest();

        broadcaster.Start(request, new GenerationContext { Model = "m" }).Complete(Response());
        Assert.True(await registry.FlushAsync(Patience));

        // (content, conventions, 32 768), (no content, conventions, 32 768), (content, conventions, 100).
        Assert.Equal(3, request.Writes);
        Assert.Equal(8, receiver.Spans.Count);
        Assert.Equal(3, receiver.Spans.Where(IsGeneration).Count(s => s.Attributes.ContainsKey("gen_ai.input.messages")));
    }

    private static ReceivedSpan[] Generations(OtlpTestReceiver receiver)
        => [.. receiver.Spans.Where(IsGeneration).OrderByDescending(s => s["gen_ai.response.id"].AsString(), StringComparer.Ordinal)];

    private static bool IsGeneration(ReceivedSpan span) => span["span.type"].AsString() == "generation";

    /// <summary>A hand-written annotated type that counts how often it is written (once per encoding).</summary>
    private sealed class CountingRequest : IOtlpAttributes
    {
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
        {
            Interlocked.Increment(ref _writes);
            sink.Write("gen_ai.request.model"u8, "m");
            if (includeContent)
            {
                sink.Write("gen_ai.input.messages"u8, "[]");
            }
        }
    }
}

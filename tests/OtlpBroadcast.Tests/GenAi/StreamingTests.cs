using System.Text.Json;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>Streamed calls: chunks become the output message, the final chunk gives usage and cost.</summary>
[Collection(BroadcastCollection.Name)]
public class StreamingTests
{
    private static readonly ChatUsage FinalUsage = new()
    {
        PromptTokens = 12,
        CompletionTokens = 3,
        TotalTokens = 15,
        Cost = 0.00042,
        CompletionTokensDetails = new CompletionTokensDetails { ReasoningTokens = 1 },
    };

    [Fact]
    public async Task ChunksUsageCostAndTimeToFirstTokenArriveOnTheGeneration()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.Stream = true;

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        foreach (string chunk in new[] { "Hel", "lo", ", wö", "rld 😀", "" })
        {
            recording.AppendOutput(chunk);
        }

        recording.CompleteStream("chatcmpl-9", "openai/gpt-4o-2024-08-06", "stop", FinalUsage);
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "Generate Response");
        using (JsonDocument output = JsonDocument.Parse(generation["gen_ai.output.messages"].AsString()))
        {
            JsonElement message = Assert.Single(output.RootElement.EnumerateArray());
            Assert.Equal("assistant", message.GetProperty("role").GetString());
            JsonElement part = Assert.Single(message.GetProperty("parts").EnumerateArray());
            Assert.Equal("text", part.GetProperty("type").GetString());
            Assert.Equal("Hello, wörld 😀", part.GetProperty("content").GetString());
            Assert.Equal("stop", message.GetProperty("finish_reason").GetString());
        }

        Assert.True(generation["gen_ai.request.stream"].AsBool());
        Assert.Equal("chatcmpl-9", generation["gen_ai.response.id"].AsString());
        Assert.Equal("openai/gpt-4o-2024-08-06", generation["gen_ai.response.model"].AsString());
        Assert.Equal(["stop"], generation["gen_ai.response.finish_reasons"].AsArray().Select(v => v.AsString()));
        Assert.Equal(12, generation["gen_ai.usage.input_tokens"].AsInt());
        Assert.Equal(3, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.Equal(15, generation["gen_ai.usage.total_tokens"].AsInt());
        Assert.Equal(1, generation["gen_ai.usage.reasoning.output_tokens"].AsInt());
        Assert.Equal(0.00042, generation["gen_ai.usage.cost"].AsDouble());
        Assert.Equal(0.00042, generation["gen_ai.usage.total_cost"].AsDouble());
        double ttft = generation["gen_ai.response.time_to_first_token"].AsDouble();
        Assert.True(ttft >= 0, $"time to first token {ttft}");
        Assert.Equal(1, generation.StatusCode);
    }

    [Fact]
    public async Task TimeToFirstTokenIsTakenAtTheFirstChunkOrMarkOnTheBroadcastersClock()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var clock = new ManualClock(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var broadcaster = new GenerationBroadcaster(registry, clock);

        ChatCompletionRequest first = MissionRequest();
        first.Trace!.GenerationName = "by chunk";
        GenerationRecording<ChatCompletionRequest> byChunk = broadcaster.StartChat(first);
        clock.Advance(TimeSpan.FromMilliseconds(250));
        byChunk.AppendOutput("a");
        clock.Advance(TimeSpan.FromSeconds(2));
        byChunk.AppendOutput("b");
        byChunk.CompleteStream("r1", "m", "stop", null);

        ChatCompletionRequest second = MissionRequest();
        second.Trace!.GenerationName = "by mark";
        GenerationRecording<ChatCompletionRequest> byMark = broadcaster.StartChat(second);
        clock.Advance(TimeSpan.FromMilliseconds(125));
        byMark.MarkFirstToken();
        clock.Advance(TimeSpan.FromSeconds(1));
        byMark.AppendOutput("c");
        byMark.CompleteStream("r2", "m", "stop", null);

        ChatCompletionRequest third = MissionRequest();
        third.Trace!.GenerationName = "no chunk";
        broadcaster.StartChat(third).CompleteStream("r3", "m", "stop", null);
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan chunked = receiver.Spans.Single(s => s.Name == "by chunk");
        Assert.Equal(0.25, chunked["gen_ai.response.time_to_first_token"].AsDouble());
        Assert.Equal(2_250_000_000, chunked.DurationNanoseconds);
        Assert.Equal(0.125, receiver.Spans.Single(s => s.Name == "by mark")["gen_ai.response.time_to_first_token"].AsDouble());
        ReceivedSpan empty = receiver.Spans.Single(s => s.Name == "no chunk");
        Assert.False(empty.Attributes.ContainsKey("gen_ai.response.time_to_first_token"));
        Assert.Equal("[]", empty["gen_ai.output.messages"].AsString());
    }

    [Fact]
    public async Task AnExplicitCostWinsOverTheUsageCost()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest());
        recording.AppendOutput("x");
        recording.CompleteStream("r", "m", "length", FinalUsage, new GenerationCost(Input: 0.25, Output: 0.5));
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "Generate Response");
        Assert.Equal(0.25, generation["gen_ai.usage.input_cost"].AsDouble());
        Assert.Equal(0.5, generation["gen_ai.usage.output_cost"].AsDouble());
        Assert.Equal(0.75, generation["gen_ai.usage.cost"].AsDouble());
        Assert.Equal(["length"], generation["gen_ai.response.finish_reasons"].AsArray().Select(v => v.AsString()));
    }

    [Fact]
    public async Task AFailureWithAPartialResponseRecordsItsOutputAndErrorButNotToAPrivacyDestination()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(open, "open"), Options(withheld, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);
        var call = new ChatToolCall { Id = "call_7", Function = new ChatFunctionCall { Name = "lookup_secret", Arguments = "{}" } };
        var partial = new ChatCompletionResponse
        {
            Choices = [new ChatChoice { Message = new ChatMessage { Role = "assistant", ToolCalls = [call] }, FinishReason = "error" }],
        };

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest());
        recording.AppendOutput("ignored text");
        recording.FailWithPartialResponse(partial, "upstream_error", "connection reset");
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan generation = open.Spans.Single(s => s.Name == "Generate Response");
        Assert.Equal("upstream_error", generation["error.type"].AsString());
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"tool_call","id":"call_7","name":"lookup_secret","arguments":"{}"}],"finish_reason":"error"}]""",
            generation["gen_ai.output.messages"].AsString());
        Assert.Equal("upstream_error", withheld.Spans.Single(s => s.Name == "Generate Response")["error.type"].AsString());
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "lookup_secret"), "content reached the privacy-mode destination");
    }
}

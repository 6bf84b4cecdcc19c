using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

public class MissionExampleTests
{
    [Fact]
    public async Task TheMissionsExampleRequestArrivesAsTheDocumentedSpanTree()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        DateTimeOffset attemptStart = DateTimeOffset.UtcNow;

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        recording.AddAttempt(new ProviderAttempt("openai", attemptStart, attemptStart.AddMilliseconds(300), 200));
        recording.CompleteChat(Response(), new GenerationCost(Input: 0.0000225, Output: 0.0001));
        Assert.True(await registry.FlushAsync(Patience));

        IReadOnlyList<ReceivedSpan> spans = receiver.Spans;
        Assert.Equal(3, spans.Count);
        ReceivedSpan root = spans.Single(s => s.Name == "Chat Handler");
        ReceivedSpan generation = spans.Single(s => s.Name == "Generate Response");
        ReceivedSpan attempt = spans.Single(s => s.Name == "attempt openai");

        string traceId = TraceId.FromString("app_trace_001").ToString();
        Assert.All(spans, s => Assert.Equal(traceId, s.TraceId));
        Assert.Equal(traceId, recording.TraceId.ToString());
        Assert.Null(root.ParentSpanId);
        Assert.Equal(root.SpanId, generation.ParentSpanId);
        Assert.Equal(generation.SpanId, attempt.ParentSpanId);
        Assert.Equal(3, spans.Select(s => s.SpanId).Distinct().Count());
        Assert.Equal((int)SpanKind.Server, root.Kind);
        Assert.Equal((int)SpanKind.Client, generation.Kind);
        Assert.All(spans, s => Assert.Equal(1, s.StatusCode));

        Assert.Equal("staging", root["trace.metadata.environment"].AsString());
        Assert.Equal("us-east-1", root["trace.metadata.deployment"].AsString());
        Assert.Equal("user_12345", root["user.id"].AsString());
        Assert.Equal("session_abc", root["session.id"].AsString());
        Assert.Equal("Chat Handler", root["trace.name"].AsString());
        Assert.Equal("app_trace_001", root["trace.trace_id"].AsString());
        Assert.Equal("trace", root["span.type"].AsString());

        Assert.Equal("generation", generation["span.type"].AsString());
        Assert.Equal("DEFAULT", generation["span.level"].AsString());
        Assert.Equal("chat", generation["gen_ai.operation.name"].AsString());
        Assert.Equal("openai", generation["gen_ai.provider.name"].AsString());
        Assert.Equal("openai", generation["gen_ai.system"].AsString());
        Assert.Equal("openai/gpt-4o", generation["gen_ai.request.model"].AsString());
        Assert.Equal("openai/gpt-4o-2024-08-06", generation["gen_ai.response.model"].AsString());
        Assert.Equal("gen-1732800000-abc", generation["gen_ai.response.id"].AsString());
        Assert.Equal(["stop"], generation["gen_ai.response.finish_reasons"].AsArray().Select(v => v.AsString()));
        Assert.Equal(9, generation["gen_ai.usage.input_tokens"].AsInt());
        Assert.Equal(10, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.Equal(19, generation["gen_ai.usage.total_tokens"].AsInt());
        Assert.Equal(2, generation["gen_ai.usage.cache_read.input_tokens"].AsInt());
        Assert.Equal(0, generation["gen_ai.usage.reasoning.output_tokens"].AsInt());
        Assert.Equal(0.0000225, generation["gen_ai.usage.input_cost"].AsDouble());
        Assert.Equal(0.0001, generation["gen_ai.usage.output_cost"].AsDouble());
        Assert.Equal(0.0001225, generation["gen_ai.usage.total_cost"].AsDouble(), 12);
        Assert.Equal(0.0001225, generation["gen_ai.usage.cost"].AsDouble(), 12);
        // The GenAI conventions' message shape: role and parts; an output message ends with its finish reason.
        Assert.Equal("""[{"role":"user","parts":[{"type":"text","content":"Hello!"}]}]""", generation["gen_ai.input.messages"].AsString());
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"text","content":"Hello! How can I help you today?"}],"finish_reason":"stop"}]""",
            generation["gen_ai.output.messages"].AsString());
        Assert.Equal("user_12345", generation["user.id"].AsString());
        Assert.Equal("session_abc", generation["session.id"].AsString());
        Assert.Equal("staging", generation["trace.metadata.environment"].AsString());

        Assert.Equal("attempt", attempt["span.type"].AsString());
        Assert.Equal(200, attempt["http.response.status_code"].AsInt());
        Assert.Equal(1, attempt["gen_ai.attempt.number"].AsInt());
        Assert.Equal(300_000_000, attempt.EndTimeUnixNano - attempt.StartTimeUnixNano);
        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
    }
}

public class MissionExampleProtobufTests
{
    [Fact]
    public async Task AProtobufDestinationReceivesTheSameTreeAsAJsonDestination()
    {
        await using OtlpTestReceiver jsonReceiver = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protobufReceiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions protobuf = Options(protobufReceiver, "protobuf");
        protobuf.Protocol = OtlpBroadcast.Configuration.OtlpProtocol.HttpProtobuf;
        await using DestinationRegistry registry = await RegistryAsync(Options(jsonReceiver, "json"), protobuf);
        var broadcaster = new GenerationBroadcaster(registry);

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest(), provider: "openai");
        recording.CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal("application/x-protobuf", Assert.Single(protobufReceiver.Requests).ContentType);
        Assert.Equal(2, protobufReceiver.Spans.Count);
        foreach (ReceivedSpan json in jsonReceiver.Spans)
        {
            ReceivedSpan proto = protobufReceiver.Spans.Single(s => s.SpanId == json.SpanId);
            Assert.Equal((json.Name, json.ParentSpanId, json.TraceId), (proto.Name, proto.ParentSpanId, proto.TraceId));
            Assert.Equal(json.Attributes.Select(a => (a.Key, a.Value.ToString())), proto.Attributes.Select(a => (a.Key, a.Value.ToString())));
        }

        Assert.All(registry.List(), d => Assert.Equal(0, d.Statistics.DroppedTotal));
    }
}

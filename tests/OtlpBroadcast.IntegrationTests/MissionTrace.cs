namespace OtlpBroadcast.IntegrationTests;

/// <summary>
/// The mission's example request as a span tree built by hand with the general span model (the LLM broadcast layer
/// will produce the same tree from the request): the root "Chat Handler" with user, session and trace metadata; the
/// generation "Generate Response" with GenAI usage, cost and content; one upstream provider attempt.
/// </summary>
internal static class MissionTrace
{
    /// <summary>Times are multiples of 100 ns: the dashboard rounds to that.</summary>
    private const long Start = 1_764_000_000_000_000_000;

    public static OtlpSpan[] Create(TraceId traceId, string prompt = "What is the capital of France?", string completion = "The capital of France is Paris.", bool error = false)
    {
        var root = new OtlpSpan(traceId, SpanId.CreateRandom(), "Chat Handler")
        {
            Kind = SpanKind.Client,
            StartTimeUnixNano = Start,
            EndTimeUnixNano = Start + 1_250_000_000,
            Status = error ? SpanStatus.Error("upstream provider failed") : SpanStatus.Ok,
        };
        root.With("trace.name", "Chat Handler")
            .With("span.type", "trace")
            .With("user.id", "user_12345")
            .With("session.id", "session_abc")
            .With("trace.metadata.environment", "staging")
            .With("trace.metadata.deployment", "us-east-1");

        var generation = new OtlpSpan(traceId, SpanId.CreateRandom(), "Generate Response")
        {
            ParentSpanId = root.SpanId,
            Kind = SpanKind.Client,
            StartTimeUnixNano = Start + 10_000_000,
            EndTimeUnixNano = Start + 1_200_000_000,
            Status = error ? SpanStatus.Error("429 Too Many Requests from openai") : SpanStatus.Ok,
        };
        generation.With("span.type", "generation")
            .With("span.level", error ? "ERROR" : "DEFAULT")
            .With("gen_ai.operation.name", "chat")
            .With("gen_ai.provider.name", "openai")
            .With("gen_ai.system", "openai")
            .With("gen_ai.request.model", "openai/gpt-4o")
            .With("gen_ai.response.model", "gpt-4o-2024-08-06")
            .With("gen_ai.response.id", "chatcmpl-mission-1")
            .With("gen_ai.response.finish_reasons", AttributeValue.FromArray("stop"))
            .With("gen_ai.request.stream", false)
            .With("gen_ai.request.temperature", 0.7)
            .With("gen_ai.usage.input_tokens", 14L)
            .With("gen_ai.usage.output_tokens", 8L)
            .With("gen_ai.usage.total_tokens", 22L)
            .With("gen_ai.usage.input_cost", 0.000035)
            .With("gen_ai.usage.output_cost", 0.00008)
            .With("gen_ai.usage.total_cost", 0.000115)
            .With("gen_ai.usage.cost", 0.000115)
            .With("user.id", "user_12345")
            .With("session.id", "session_abc")
            .WithContent("gen_ai.input.messages", $$"""[{"role":"user","parts":[{"type":"text","content":{{System.Text.Json.JsonSerializer.Serialize(prompt, IntegrationJson.Default.String)}}}]}]""")
            .WithContent("gen_ai.output.messages", $$"""[{"role":"assistant","parts":[{"type":"text","content":{{System.Text.Json.JsonSerializer.Serialize(completion, IntegrationJson.Default.String)}}}],"finish_reason":"stop"}]""");
        if (error)
        {
            generation.With("error.type", "RateLimitError");
        }

        var attempt = new OtlpSpan(traceId, SpanId.CreateRandom(), "provider attempt openai")
        {
            ParentSpanId = generation.SpanId,
            Kind = SpanKind.Client,
            StartTimeUnixNano = Start + 20_000_000,
            EndTimeUnixNano = Start + 1_150_000_000,
            Status = error ? SpanStatus.Error("HTTP 429") : SpanStatus.Ok,
        };
        attempt.With("span.type", "attempt")
            .With("gen_ai.provider.name", "openai")
            .With("server.address", "api.openai.com")
            .With("server.port", 443L);
        if (error)
        {
            attempt.With("error.type", "429");
        }

        return [root, generation, attempt];
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class IntegrationJson : System.Text.Json.Serialization.JsonSerializerContext
{
}

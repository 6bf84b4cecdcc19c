namespace OtlpBroadcast.Export;

/// <summary>
/// A small, realistic LLM generation trace that a user can send on demand and look for in the backend: a root
/// span, the generation span with GenAI attributes, and one upstream provider attempt.
/// </summary>
public static class TestTrace
{
    /// <summary>The root span's name.</summary>
    public const string RootName = "OtlpBroadcast test trace";

    /// <summary>Builds the three spans, ending now, with a fresh trace id. The prompt and completion are marked as
    /// content, so a privacy-mode destination never receives them.</summary>
    public static IReadOnlyList<OtlpSpan> Create(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        long end = UnixNanos.Now(timeProvider);
        long start = end - 850_000_000;
        TraceId traceId = TraceId.CreateRandom();

        var root = new OtlpSpan(traceId, SpanId.CreateRandom(), RootName)
        {
            Kind = SpanKind.Client,
            StartTimeUnixNano = start,
            EndTimeUnixNano = end,
            Status = SpanStatus.Ok,
        };
        root.With("trace.name", RootName)
            .With("span.type", "trace")
            .With("user.id", "otlpbroadcast-test-user")
            .With("session.id", "otlpbroadcast-test-session")
            .With("trace.metadata.test", true);

        var generation = new OtlpSpan(traceId, SpanId.CreateRandom(), "chat gpt-4o")
        {
            ParentSpanId = root.SpanId,
            Kind = SpanKind.Client,
            StartTimeUnixNano = start + 5_000_000,
            EndTimeUnixNano = end - 5_000_000,
            Status = SpanStatus.Ok,
        };
        generation.With("span.type", "generation")
            .With("gen_ai.operation.name", "chat")
            .With("gen_ai.provider.name", "openai")
            .With("gen_ai.system", "openai")
            .With("gen_ai.request.model", "openai/gpt-4o")
            .With("gen_ai.response.model", "gpt-4o-2024-08-06")
            .With("gen_ai.response.id", "chatcmpl-otlpbroadcast-test")
            .With("gen_ai.response.finish_reasons", AttributeValue.FromArray("stop"))
            .With("gen_ai.usage.input_tokens", 9L)
            .With("gen_ai.usage.output_tokens", 12L)
            .With("gen_ai.usage.total_tokens", 21L)
            .With("gen_ai.usage.input_cost", 0.0000225)
            .With("gen_ai.usage.output_cost", 0.00012)
            .With("gen_ai.usage.total_cost", 0.0001425)
            .With("gen_ai.usage.cost", 0.0001425)
            .WithContent("gen_ai.input.messages", """[{"role":"user","parts":[{"type":"text","content":"Hello!"}]}]""")
            .WithContent("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"text","content":"Hello! This is a test trace from OtlpBroadcast."}],"finish_reason":"stop"}]""");

        var attempt = new OtlpSpan(traceId, SpanId.CreateRandom(), "provider attempt openai")
        {
            ParentSpanId = generation.SpanId,
            Kind = SpanKind.Client,
            StartTimeUnixNano = start + 10_000_000,
            EndTimeUnixNano = end - 10_000_000,
            Status = SpanStatus.Ok,
        };
        attempt.With("span.type", "attempt")
            .With("gen_ai.provider.name", "openai")
            .With("server.address", "api.openai.com")
            .With("server.port", 443L);

        return [root, generation, attempt];
    }
}

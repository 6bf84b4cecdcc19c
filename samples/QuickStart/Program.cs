// QuickStart: the whole export path in one run, with no backend to install.
// 1. An OTLP/HTTP receiver starts in this process on loopback and requires an API key header.
// 2. A destination with the wrong key is refused (its connection test fails); with the right key it is saved.
// 3. The spans of one LLM call (the mission's example request) are encoded once and broadcast.
// 4. What the receiver decoded is printed as a tree, with the destination's counters.
// Set OTEL_EXPORTER_OTLP_ENDPOINT (and OTEL_EXPORTER_OTLP_HEADERS) to send the same spans to a real backend too.
using OtlpBroadcast;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;

const string ApiKey = "quickstart-demo-key";

await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
{
    RequiredHeaders = { ["x-api-key"] = ApiKey },
});
Console.WriteLine($"In-process OTLP receiver: {receiver.TracesEndpoint}");

var services = new ExporterServices { Resource = new OtlpResource("quickstart-gateway") };
await using var registry = new DestinationRegistry(services);

OtlpDestination Local(string key) => OtlpDestination.Create(new OtlpDestinationOptions
{
    Name = "local",
    Endpoint = receiver.TracesEndpoint.AbsoluteUri,
    HeadersJson = $$"""{"x-api-key":"{{key}}"}""",
    ScheduledDelay = TimeSpan.FromMilliseconds(200),
});

DestinationSaveResult refused = await registry.SaveAsync(Local("wrong-key"));
Console.WriteLine($"Save with a wrong key:  saved={refused.Saved}  {refused.Test}");
DestinationSaveResult saved = await registry.SaveAsync(Local(ApiKey));
Console.WriteLine($"Save with the right key: saved={saved.Saved}  {saved.Test}");
if (!saved.Saved)
{
    return 1;
}

if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
    || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")))
{
    DestinationSaveResult external = await registry.SaveAsync(OtlpDestination.FromEnvironment());
    Console.WriteLine($"Destination from OTEL_* variables: saved={external.Saved}  {external.Test}");
}

receiver.Clear();
foreach (OtlpSpan span in ExampleCall.Spans(TimeProvider.System))
{
    registry.Publish(span);
}

bool flushed = await registry.FlushAsync(TimeSpan.FromSeconds(10));
Console.WriteLine();
Console.WriteLine($"Received by the loopback backend (flushed: {flushed}):");
Console.WriteLine(TraceTreePrinter.Render(receiver.Spans));
foreach (DestinationInfo info in registry.List())
{
    DestinationStatistics s = info.Statistics;
    Console.WriteLine($"{info.Name}: {info.Endpoint} headers [{info.Headers}] exported={s.Exported} dropped={s.DroppedTotal} requests={s.Requests}");
}

return flushed && receiver.Spans.Count == 3 ? 0 : 1;

/// <summary>The spans of the mission's example request, built by hand with the span model.</summary>
internal static class ExampleCall
{
    public static IReadOnlyList<OtlpSpan> Spans(TimeProvider time)
    {
        long end = UnixNanos.Now(time);
        long start = end - 1_200_000_000;
        TraceId traceId = TraceId.FromString("app_trace_001");

        var root = new OtlpSpan(traceId, SpanId.FromString("app_trace_001"), "Chat Handler")
        {
            Kind = SpanKind.Client,
            StartTimeUnixNano = start,
            EndTimeUnixNano = end,
            Status = SpanStatus.Ok,
        };
        root.With("trace.id.raw", "app_trace_001")
            .With("user.id", "user_12345")
            .With("session.id", "session_abc")
            .With("trace.metadata.environment", "staging")
            .With("trace.metadata.deployment", "us-east-1");

        var generation = new OtlpSpan(traceId, SpanId.CreateRandom(), "Generate Response")
        {
            ParentSpanId = root.SpanId,
            Kind = SpanKind.Client,
            StartTimeUnixNano = start + 2_000_000,
            EndTimeUnixNano = end - 1_000_000,
            Status = SpanStatus.Ok,
        };
        generation.With("gen_ai.operation.name", "chat")
            .With("gen_ai.provider.name", "openai")
            .With("gen_ai.request.model", "openai/gpt-4o")
            .With("gen_ai.response.model", "gpt-4o-2024-08-06")
            .With("gen_ai.usage.input_tokens", 9L)
            .With("gen_ai.usage.output_tokens", 10L)
            .With("gen_ai.usage.total_cost", 0.0001225)
              .WithContent("gen_ai.input.messages", """[{"role":"user","parts":[{"type":"text","content":"Hello!"}]}]""");

        var attempt = new OtlpSpan(traceId, SpanId.CreateRandom(), "openai attempt")
        {
            ParentSpanId = generation.SpanId,
            Kind = SpanKind.Client,
            StartTimeUnixNano = start + 3_000_000,
            EndTimeUnixNano = end - 2_000_000,
            Status = SpanStatus.Ok,
        };
        attempt.With("server.address", "api.openai.com").With("server.port", 443L);
        return [root, generation, attempt];
    }
}

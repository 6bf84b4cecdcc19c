// QuickStart: the mission in one run, with no backend to install.
// 1. Two OTLP/HTTP receivers start in this process on loopback; both require an API key header.
// 2. Destinations are saved only when their connection test passes (a wrong key is refused).
// 3. The mission's example request is recorded as one LLM generation and broadcast: once with content, once in
//    privacy mode.
// 4. What each receiver decoded is printed as a tree, with the destinations' counters.
// Set OTEL_EXPORTER_OTLP_ENDPOINT (and OTEL_EXPORTER_OTLP_HEADERS) to send the same trace to a real backend too.
using System.Text.Json;
using OtlpBroadcast;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;

const string ApiKey = "quickstart-demo-key";
const string MissionRequest = MissionExample.RequestJson;

var receiverOptions = new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = ApiKey } };
await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync(receiverOptions);
await using OtlpTestReceiver privacy = await OtlpTestReceiver.StartAsync(receiverOptions);

var services = new ExporterServices { Resource = new OtlpResource("quickstart-gateway") };
await using var registry = new DestinationRegistry(services);

OtlpDestination Destination(string name, OtlpTestReceiver receiver, string key, bool privacyMode) => OtlpDestination.Create(new OtlpDestinationOptions
{
    Name = name,
    Endpoint = receiver.TracesEndpoint.AbsoluteUri,
    HeadersJson = $$"""{"x-api-key":"{{key}}"}""",
    PrivacyMode = privacyMode,
    ScheduledDelay = TimeSpan.FromMilliseconds(200),
});

DestinationSaveResult refused = await registry.SaveAsync(Destination("local", open, "wrong-key", privacyMode: false));
Console.WriteLine($"Save 'local' with a wrong key:   saved={refused.Saved}  {refused.Test}");
foreach (DestinationSaveResult saved in new[]
{
    await registry.SaveAsync(Destination("local", open, ApiKey, privacyMode: false)),
    await registry.SaveAsync(Destination("local-private", privacy, ApiKey, privacyMode: true)),
})
{
    Console.WriteLine($"Save with the right key:         saved={saved.Saved}  {saved.Test}");
    if (!saved.Saved)
    {
        return 1;
    }
}

if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
    || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")))
{
    DestinationSaveResult external = await registry.SaveAsync(OtlpDestination.FromEnvironment());
    Console.WriteLine($"Destination from OTEL_* variables: saved={external.Saved}  {external.Test}");
}

open.Clear();
privacy.Clear();

// The gateway's part: record the call, let a (here: canned) provider answer, complete the recording.
ChatCompletionRequest request = JsonSerializer.Deserialize(MissionRequest, OpenAiJsonContext.Default.ChatCompletionRequest)!;
var broadcaster = new GenerationBroadcaster(registry);
GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
DateTimeOffset attemptStart = DateTimeOffset.UtcNow;
ChatCompletionResponse response = new()
{
    Id = "gen-quickstart-1",
    Model = "openai/gpt-4o-2024-08-06",
    Choices = [new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = "Hello! How can I help you today?" }, FinishReason = "stop" }],
    Usage = new ChatUsage { PromptTokens = 9, CompletionTokens = 9, TotalTokens = 18 },
};
recording.AddAttempt(new ProviderAttempt("openai", attemptStart, DateTimeOffset.UtcNow, 200));
recording.CompleteChat(response, new GenerationCost(Input: 0.0000225, Output: 0.00009));

bool flushed = await registry.FlushAsync(TimeSpan.FromSeconds(10));
Console.WriteLine();
Console.WriteLine($"Trace {recording.TraceId} (trace_id \"app_trace_001\"), flushed: {flushed}");
Console.WriteLine();
Console.WriteLine("Received by 'local' (privacy mode off):");
Console.WriteLine(TraceTreePrinter.Render(open.Spans));
Console.WriteLine("Received by 'local-private' (privacy mode on):");
Console.WriteLine(TraceTreePrinter.Render(privacy.Spans));
foreach (DestinationInfo info in registry.List())
{
    DestinationStatistics s = info.Statistics;
    Console.WriteLine($"{info.Name}: {info.DisplayEndpoint} headers [{info.Headers}] privacy={info.PrivacyMode} exported={s.Exported} dropped={s.DroppedTotal} requests={s.Requests}");
}

bool contentWithheld = privacy.Spans.All(s => !s.Attributes.ContainsKey("gen_ai.input.messages") && !s.Attributes.ContainsKey("gen_ai.output.messages"));
return flushed && open.Spans.Count == 3 && privacy.Spans.Count == 3 && contentWithheld ? 0 : 1;

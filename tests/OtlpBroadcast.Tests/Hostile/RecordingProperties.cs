using System.Text.Json;
using CsCheck;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.GenAi;
using static OtlpBroadcast.Tests.Hostile.HostileInput;

namespace OtlpBroadcast.Tests.Hostile;

/// <summary>
/// Recording with hostile input: a <c>trace</c> field of any JSON, and requests, responses and streamed text carrying
/// lone surrogates, control characters, non-finite numbers, very long strings and huge arrays. Properties: the
/// caller's parse refuses bad JSON with a <see cref="JsonException"/> only; recording never throws and loses no
/// generation to an internal error; every byte sent to every destination (JSON and protobuf, privacy on and off,
/// both content formats, with a length limit) is valid OTLP for the strict decoders of OtlpBroadcast.Testing, and
/// every destination receives the whole span tree.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class RecordingProperties
{
    private const int Iterations = 150;

    private static readonly Gen<string> TraceJson = Gen.Frequency<string>(
        (6, JsonValue(5)),
        (2, Gen.Select(Gen.OneOf("trace_id", "trace_name", "span_name", "generation_name", "parent_span_id", "env", "team", "a.b"), JsonValue(3)).Array[0, 8]
            .Select(entries => "{" + string.Join(",", entries.Select(e => $"\"{e.Item1}\":{e.Item2}")) + "}")),
        (1, Gen.Int[1, 300].Select(levels => "{\"deep\":" + DeepJson(levels, objects: levels % 2 == 0) + "}")),
        (1, Gen.Int[60, 400].Select(count => "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"k{i}\":{i}")) + "}")));

    private static readonly Gen<double?> AnyDouble = Gen.OneOf(
        Gen.Double.Select(d => (double?)d),
        Gen.OneOf<double?>(double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MaxValue, -0.0, null));

    private static readonly Gen<ChatCompletionRequest> Requests =
        Gen.Select(
            LongText,
            Gen.Select(Gen.OneOf("system", "user", "assistant", "tool"), LongText, Text.Null()).Array[0, 4],
            Gen.Select(AnyDouble, AnyDouble, Gen.Long.Nullable(), Gen.Int.Nullable()),
            Gen.Frequency<List<string>?>((3, Text.List[0, 4].Null()), (1, Gen.Int[1_000, 50_000].Select(n => Enumerable.Repeat("stop\uD800", n).ToList()))),
            Gen.Select(LongText.Null(), LongText.Null()),
            (model, messages, numbers, stop, identity) => new ChatCompletionRequest
            {
                Model = model,
                Messages = [.. messages.Select(m => new ChatMessage { Role = m.Item1, Content = m.Item2, Name = m.Item3 })],
                Temperature = numbers.Item1,
                TopP = numbers.Item2,
                Seed = numbers.Item3,
                MaxTokens = numbers.Item4,
                Stop = stop,
                User = identity.Item1,
                SessionId = identity.Item2,
            });

    private static readonly Gen<ChatCompletionResponse> Responses =
        Gen.Select(Text.Null(), LongText.Null(), Gen.Select(LongText, Text.Null()).Array[0, 3], Gen.Select(Gen.Long, Gen.Long, AnyDouble).Nullable(),
            (id, model, choices, usage) => new ChatCompletionResponse
            {
                Id = id,
                Model = model,
                Choices = [.. choices.Select(c => new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = c.Item1 }, FinishReason = c.Item2 })],
                Usage = usage is { } u ? new ChatUsage { PromptTokens = u.Item1, CompletionTokens = u.Item2, Cost = u.Item3 } : null,
            });

    [Fact]
    public async Task ATraceFieldOfAnyJsonIsRefusedByTheParseOrBroadcastAsValidOtlp()
    {
        await using var harness = await Harness.StartAsync();
        await TraceJson.SampleAsync(
            async trace =>
            {
                string json = $$"""{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}],"trace":{{trace}}}""";
                ChatCompletionRequest request;
                try
                {
                    request = JsonSerializer.Deserialize(json, OpenAiJsonContext.Default.ChatCompletionRequest)!;
                }
                catch (JsonException)
                {
                    // The host's parse refuses it (a gateway answers 400): documented, and the only exception allowed.
                    return;
                }

                int spans = string.IsNullOrEmpty(request.Trace?.SpanName) ? 2 : 3;
                await harness.RecordAsync(spans, broadcaster => broadcaster.StartChat(request, provider: "openai").CompleteChat(BroadcastTestKit.Response()));
            },
            iter: Iterations,
            threads: 1,
            print: trace => trace.Length > 300 ? trace[..300] + $"… ({trace.Length} chars)" : trace);
    }

    [Fact]
    public async Task HostileRequestsResponsesAndStreamsAreBroadcastAsValidOtlp()
    {
        await using var harness = await Harness.StartAsync();
        await Gen.Select(Requests, Responses, LongText.Array[0, 5], Gen.Int[0, 2]).SampleAsync(
            async sample =>
            {
                (ChatCompletionRequest request, ChatCompletionResponse response, string[] chunks, int path) = sample;
                await harness.RecordAsync(3, broadcaster =>
                {
                    GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai\0\uD800");
                    recording.AddAttempt(new ProviderAttempt("openai\r\n", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
                    foreach (string chunk in chunks)
                    {
                        recording.AppendOutput(chunk);
                    }

                    switch (path)
                    {
                        case 0:
                            recording.CompleteChat(response);
                            break;
                        case 1:
                            recording.CompleteStream(response.Id, response.Model, "stop\u0000", response.Usage, new GenerationCost(double.NaN, double.PositiveInfinity));
                            break;
                        default:
                            recording.Fail(chunks.FirstOrDefault() ?? "", chunks.LastOrDefault());
                            break;
                    }
                });
            },
            iter: Iterations,
            threads: 1,
            print: sample => $"model of {sample.Item1.Model.Length} chars, {sample.Item1.Messages.Count} message(s), {sample.Item3.Length} chunk(s), path {sample.Item4}");
    }

    /// <summary>A registry of three destinations (JSON; protobuf in privacy mode; JSON in the router's format with a
    /// 50-character limit) sending into one <see cref="CapturingHandler"/>.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private static readonly string[] Hosts = ["json.example", "protobuf-private.example", "router-limited.example"];
        private readonly CapturingHandler _handler = new();
        private DestinationRegistry _registry = null!;

        public GenerationBroadcaster Broadcaster { get; private set; } = null!;

        public static async Task<Harness> StartAsync()
        {
            var harness = new Harness();
            ExporterServices services = ExporterServices.WithHandler(harness._handler, new OtlpResource("hostile-recording"));
            harness._registry = new DestinationRegistry(services);
            for (int i = 0; i < Hosts.Length; i++)
            {
                var options = new OtlpDestinationOptions
                {
                    Name = Hosts[i],
                    Endpoint = $"https://{Hosts[i]}/v1/traces",
                    Protocol = i == 1 ? OtlpProtocol.HttpProtobuf : OtlpProtocol.HttpJson,
                    PrivacyMode = i == 1,
                    ScheduledDelay = TimeSpan.FromMinutes(30),
                };
                if (i == 2)
                {
                    options.Broadcast.ContentFormat = ContentFormat.RouterCompatible;
                    options.Broadcast.MaxContentLength = 50;
                }

                await harness._registry.AddAsync(OtlpDestination.Create(options));
            }

            harness.Broadcaster = new GenerationBroadcaster(harness._registry);
            return harness;
        }

        /// <summary>Records one generation; then every destination received exactly <paramref name="spans"/> spans in
        /// bodies the strict decoders accept, and nothing failed inside the SDK.</summary>
        public async Task RecordAsync(int spans, Action<GenerationBroadcaster> record)
        {
            // A sample that failed (while shrinking, say) may have left spans queued: they must not count here.
            Assert.True(await _registry.FlushAsync(BroadcastTestKit.Patience));
            _handler.Clear();
            long errors = Broadcaster.GetStatistics().InternalErrors;
            Dictionary<string, long> tooLarge = _registry.List().ToDictionary(d => d.Name, d => d.Statistics.Dropped[DropReason.TooLarge]);

            Exception? thrown = Record.Exception(() => record(Broadcaster));

            Assert.Null(thrown);
            Assert.True(Broadcaster.GetStatistics().InternalErrors == errors, "an internal error lost a generation: " + Broadcaster.GetStatistics().LastInternalError);
            Assert.True(await _registry.FlushAsync(BroadcastTestKit.Patience));
            foreach (DestinationInfo destination in _registry.List())
            {
                // A span still larger than the batch limit after the attribute limits (thousands of control
                // characters, each escaped in six bytes, say) is dropped and counted; nothing else may be missing.
                DestinationStatistics stats = destination.Statistics;
                long dropped = stats.Dropped[DropReason.TooLarge] - tooLarge[destination.Name];
                Assert.True(stats.DroppedTotal == stats.Dropped[DropReason.TooLarge], $"{destination.Name} dropped spans: {stats.LastError}");

                List<CapturedRequest> requests = [.. _handler.Requests.Where(r => r.Uri.Host == destination.Name)];
                int decoded = requests.Sum(r => r.DecodeStrictly().Spans.Count);
                Assert.True(decoded + dropped == spans, $"{destination.Name} received {decoded} span(s) and dropped {dropped}, not {spans}");
            }
        }

        public ValueTask DisposeAsync() => _registry.DisposeAsync();
    }
}

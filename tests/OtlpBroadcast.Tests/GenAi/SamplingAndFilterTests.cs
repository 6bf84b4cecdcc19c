using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>Which generations reach a destination: sampling by trace id, <c>IncludeModels</c>, <c>Filter</c>.</summary>
[Collection(BroadcastCollection.Name)]
public class SamplingAndFilterTests
{
    private const int Traces = 200;

    [Theory]
    [InlineData("00000000000000000000000000000001", 0.0001, true)]
    [InlineData("ffffffffffffffff0000000000000001", 0.0001, true)]
    [InlineData("0000000000000000ffffffffffffffff", 0.9999, false)]
    [InlineData("00000000000000007fffffffffffffff", 0.5, true)]
    [InlineData("00000000000000008000000000000000", 0.5, false)]
    [InlineData("0000000000000000ffffffffffffffff", 1.0, true)]
    public void KeepsReadsTheLastEightBytesAgainstTheRate(string traceId, double rate, bool kept)
        => Assert.Equal(kept, Sampling.Keeps(TraceId.FromString(traceId), rate));

    [Fact]
    public void KeepsIsDeterministicByTraceIdAndMonotonicInTheRate()
    {
        for (int i = 0; i < 1_000; i++)
        {
            TraceId id = TraceId.CreateRandom();
            TraceId same = TraceId.FromString(id.ToString());
            foreach (double rate in new[] { 0.001, 0.1, 0.5, 0.9 })
            {
                bool kept = Sampling.Keeps(id, rate);
                Assert.Equal(kept, Sampling.Keeps(id, rate));
                Assert.Equal(kept, Sampling.Keeps(same, rate));
                if (kept)
                {
                    Assert.True(Sampling.Keeps(id, Math.Min(1.0, rate * 2)), "a trace kept at a rate is kept at any higher rate");
                }
            }
        }
    }

    [Fact]
    public async Task HalfTheTracesArriveAtTheSampledDestinationEachWhollyOrNotAtAll()
    {
        await using OtlpTestReceiver sampled = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver everything = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions half = Options(sampled, "half");
        half.Broadcast.SamplingRate = 0.5;
        await using DestinationRegistry registry = await RegistryAsync(half, Options(everything, "all"));
        var broadcaster = new GenerationBroadcaster(registry);

        // Two requests per trace, each a top span, a generation and an attempt: six spans per trace.
        for (int i = 0; i < Traces; i++)
        {
            for (int request = 0; request < 2; request++)
            {
                ChatCompletionRequest chat = MissionRequest();
                chat.Trace = new TraceField { TraceId = $"conversation-{i}", TraceName = $"turn {request}" };
                GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(chat);
                recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
                recording.CompleteChat(Response());
            }
        }

        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(Traces * 6, everything.Spans.Count);
        var arrived = sampled.Spans.GroupBy(s => s.TraceId).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(arrived, trace => Assert.True(trace.Value == 6, $"trace {trace.Key}: {trace.Value} of its 6 spans arrived"));

        // Binomial(200, 0.5): mean 100, standard deviation about 7; the bound is more than 4 deviations wide.
        Assert.InRange(arrived.Count, 70, 130);

        // Exactly the traces the documented rule keeps, by the trace id every process computes alike.
        var expected = Enumerable.Range(0, Traces)
            .Select(i => TraceId.FromString($"conversation-{i}"))
            .Where(id => Sampling.Keeps(id, 0.5))
            .Select(id => id.ToString())
            .ToHashSet();
        Assert.True(expected.SetEquals(arrived.Keys), "the sampled traces differ from Sampling.Keeps(traceId, 0.5)");
        Assert.Equal(0, registry.Exporters.Single(e => e.Destination.Name == "half").GetStatistics().DroppedTotal);
    }

    [Fact]
    public async Task IncludeModelsRoutesByExactNameAndPrefix()
    {
        await using OtlpTestReceiver exact = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver prefix = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver everything = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions exactOptions = Options(exact, "exact");
        exactOptions.Broadcast.IncludeModels.Add("openai/gpt-4o");
        OtlpDestinationOptions prefixOptions = Options(prefix, "prefix");
        prefixOptions.Broadcast.IncludeModels.Add("anthropic/*");
        prefixOptions.Broadcast.IncludeModels.Add("google/gemini-2.5-pro");
        await using DestinationRegistry registry = await RegistryAsync(exactOptions, prefixOptions, Options(everything, "all"));
        var broadcaster = new GenerationBroadcaster(registry);
        string[] models = ["openai/gpt-4o", "OpenAI/GPT-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "anthropic", "google/gemini-2.5-pro", "google/gemini-2.5-flash"];

        foreach (string model in models)
        {
            broadcaster.StartChat(new ChatCompletionRequest { Model = model, Messages = [new ChatMessage { Content = "hi" }] }).CompleteChat(Response());
        }

        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(models.Order(StringComparer.Ordinal), RequestedModels(everything));
        Assert.Equal(["OpenAI/GPT-4o", "openai/gpt-4o"], RequestedModels(exact));
        Assert.Equal(["anthropic/claude-sonnet-4", "google/gemini-2.5-pro"], RequestedModels(prefix));
        Assert.Equal(4, exact.Spans.Count);
        Assert.Equal(4, prefix.Spans.Count);
    }

    [Fact]
    public async Task AFilterRoutesByApiKeyNameAndSeesTheGeneration()
    {
        await using OtlpTestReceiver teamA = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver everything = await OtlpTestReceiver.StartAsync();
        var seen = new List<GenerationFilterContext>();
        OtlpDestinationOptions teamAOptions = Options(teamA, "team-a");
        teamAOptions.Broadcast.Filter = context =>
        {
            lock (seen)
            {
                seen.Add(context);
            }

            return context.ApiKeyName == "team-a";
        };
        await using DestinationRegistry registry = await RegistryAsync(teamAOptions, Options(everything, "all"));
        var broadcaster = new GenerationBroadcaster(registry);

        RecordOnePerApiKey(broadcaster, "team-a", "team-b", null, "team-a");

        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(["model-for-team-a", "model-for-team-a"], RequestedModels(teamA));
        Assert.Equal(4, RequestedModels(everything).Length);
        Assert.Equal(4, teamA.Spans.Count);
        Assert.Equal(4, seen.Count);
        Assert.Equal(["team-a", "team-b", null, "team-a"], seen.Select(c => c.ApiKeyName));
        Assert.All(seen, c => Assert.Equal("openai", c.Provider));
        Assert.All(seen, c => Assert.Equal("user_12345", c.User));
        Assert.Equal("model-for-team-b", seen[1].Model);
    }

    [Fact]
    public async Task AFilterThatThrowsKeepsItsGenerationFromItsDestinationOnlyAndIsCounted()
    {
        await using OtlpTestReceiver filtered = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver everything = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions throwing = Options(filtered, "throwing");
        throwing.Broadcast.Filter = context => context.ApiKeyName!.StartsWith("team-", StringComparison.Ordinal);

        // The throwing destination first: the one after it must not lose the generation.
        await using DestinationRegistry registry = await RegistryAsync(throwing, Options(everything, "all"));
        var broadcaster = new GenerationBroadcaster(registry);

        RecordOnePerApiKey(broadcaster, "team-a", null);

        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(["model-for-none", "model-for-team-a"], RequestedModels(everything));
        Assert.Equal(["model-for-team-a"], RequestedModels(filtered));
        BroadcasterStatistics stats = broadcaster.GetStatistics();
        Assert.Equal(1, stats.InternalErrors);
        Assert.Contains("NullReferenceException", stats.LastInternalError, StringComparison.Ordinal);
    }

    /// <summary>Records one generation per API key name, of the model <c>model-for-{key}</c> (<c>model-for-none</c>
    /// without a key).</summary>
    private static void RecordOnePerApiKey(GenerationBroadcaster broadcaster, params string?[] keys)
    {
        foreach (string? key in keys)
        {
            ChatCompletionRequest request = MissionRequest();
            request.Trace = null;
            request.Model = "model-for-" + (key ?? "none");
            broadcaster.StartChat(request, provider: "openai", apiKeyName: key).CompleteChat(Response());
        }
    }

    /// <summary>The requested model of every generation received, in ordinal order.</summary>
    private static string[] RequestedModels(OtlpTestReceiver receiver)
        => [.. receiver.Spans
            .Where(s => s["span.type"].AsString() == "generation")
            .Select(s => s["gen_ai.request.model"].AsString())
            .Order(StringComparer.Ordinal)];
}

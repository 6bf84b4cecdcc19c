using System.Text.Json;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.IntegrationTests.RealBackendKit;

namespace OtlpBroadcast.IntegrationTests;

/// <summary>
/// The broadcaster itself (not hand-built spans) through the real backend: the mission's example request, parsed
/// from its JSON, recorded and completed, then read back from the Aspire Dashboard.
/// </summary>
[Collection(AspireCollection.Name)]
public class RealBackendBroadcastTests(AspireFixture fixture)
{
    private AspireDashboard Dashboard => fixture.Dashboard;

    private static ChatCompletionRequest Request(string traceId)
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(MissionExample.RequestJson, OpenAiJsonContext.Default.ChatCompletionRequest)!;

        // Each test run gets a trace of its own: the backend keeps what earlier runs stored.
        request.Trace!.TraceId = traceId;
        return request;
    }

    private static ChatCompletionResponse Response() => new()
    {
        Id = "gen-real-backend",
        Model = "openai/gpt-4o-2024-08-06",
        Choices = [new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = "Hello! How can I help you today?" }, FinishReason = "stop" }],
        Usage = new ChatUsage { PromptTokens = 9, CompletionTokens = 10, TotalTokens = 19 },
    };

    [Theory]
    [InlineData(OtlpProtocol.HttpJson, false)]
    [InlineData(OtlpProtocol.HttpJson, true)]
    [InlineData(OtlpProtocol.HttpProtobuf, false)]
    [InlineData(OtlpProtocol.HttpProtobuf, true)]
    public async Task TheMissionsRequestIsStoredAsTheDocumentedTree(OtlpProtocol protocol, bool privacyMode)
    {
        string rawTraceId = "app_trace_001-" + Guid.NewGuid().ToString("N");
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(Dashboard, protocol, privacyMode: privacyMode)));
        var broadcaster = new GenerationBroadcaster(registry);

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(Request(rawTraceId), provider: "openai");
        DateTimeOffset start = DateTimeOffset.UtcNow;
        recording.AddAttempt(new ProviderAttempt("openai", start, start.AddMilliseconds(250), 200));
        recording.CompleteChat(Response(), new GenerationCost(Input: 0.0000225, Output: 0.0001));
        Assert.True(await registry.FlushAsync(Patience));

        string traceId = TraceId.FromString(rawTraceId).ToString();
        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(traceId, 3);
        StoredSpan root = stored.Single(s => s.Name == "Chat Handler");
        StoredSpan generation = stored.Single(s => s.Name == "Generate Response");
        StoredSpan attempt = stored.Single(s => s.Name == "attempt openai");
        Assert.Null(root.ParentSpanId);
        Assert.Equal(root.SpanId, generation.ParentSpanId);
        Assert.Equal(generation.SpanId, attempt.ParentSpanId);

        Assert.Equal("staging", root["trace.metadata.environment"]);
        Assert.Equal("us-east-1", root["trace.metadata.deployment"]);
        Assert.Equal("user_12345", root["user.id"]);
        Assert.Equal("session_abc", root["session.id"]);
        Assert.Equal(rawTraceId, root["trace.trace_id"]);
        Assert.Equal("openai/gpt-4o", generation["gen_ai.request.model"]);
        Assert.Equal("openai", generation["gen_ai.provider.name"]);
        Assert.Equal("19", generation["gen_ai.usage.total_tokens"]);
        Assert.Equal(0.0001225, double.Parse(generation["gen_ai.usage.cost"], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal("200", attempt["http.response.status_code"]);
        Assert.Equal(!privacyMode, generation.Attributes.ContainsKey("gen_ai.input.messages"));
        Assert.Equal(!privacyMode, generation.Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.DoesNotContain(stored, s => s.Attributes.Values.Any(v => privacyMode && v.Contains("Hello!", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task ThreeRequestsSharingATraceIdAndAnErrorFormOneWellFormedTrace(OtlpProtocol protocol)
    {
        string rawTraceId = "shared-" + Guid.NewGuid().ToString("N");
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(Dashboard, protocol)));
        var broadcaster = new GenerationBroadcaster(registry);

        for (int i = 0; i < 3; i++)
        {
            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(Request(rawTraceId), provider: "openai");
            if (i == 2)
            {
                recording.Fail("rate_limited", "upstream answered 429");
            }
            else
            {
                recording.CompleteChat(Response());
            }
        }

        Assert.True(await registry.FlushAsync(Patience));
        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(TraceId.FromString(rawTraceId).ToString(), 6);
        Assert.Equal(6, stored.Count);
        Assert.Equal(6, stored.Select(s => s.SpanId).Distinct().Count());
        Assert.All(stored.Where(s => s.ParentSpanId is not null), s => Assert.Contains(stored, p => p.SpanId == s.ParentSpanId));
        StoredSpan failed = stored.Single(s => s.Name == "Generate Response" && s.StatusCode == 2);
        Assert.Equal("rate_limited", failed["error.type"]);
        Assert.Equal("upstream answered 429", failed.StatusMessage);
    }
}

using System.Buffers;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// A whole LLM span tree (root, generation, one attempt) encoded to protobuf the way the broadcaster encodes a variant:
/// the OpenAI DTOs' generated writers, the identity with trace metadata, the cost, behind the destination's content
/// policy. Once warmed up, encoding the tree and the request body around it allocates nothing. Counted with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>, never timed; serial, like the other allocation tests.
/// </summary>
[Collection(SerialEncodingCollection.Name)]
public class ProtobufSpanTreeAllocationTests
{
    private const int WarmUp = 200;
    private const int Iterations = 1000;

    private static readonly TraceId Trace = TraceId.FromString("app_trace_001");
    private static readonly SpanId RootId = SpanId.FromString("root");
    private static readonly SpanId GenerationId = SpanId.FromString("generation");
    private static readonly SpanId AttemptId = SpanId.FromString("attempt");

    private readonly SpanFragment[] _fragments = new SpanFragment[3];
    private readonly ArrayBufferWriter<byte> _body = new(16 * 1024);
    private readonly OtlpProtobufEnvelope _envelope = new(new OtlpResource("alloc-test"));
    private readonly TraceField _trace = TraceField.Parse(
        """{"trace_id":"app_trace_001","trace_name":"Chat Handler","environment":"staging","team":"search","release":"2026.11.3","attempt":2}""");

    private readonly ChatCompletionRequest _request;
    private readonly ChatCompletionResponse _response;
    private readonly ProviderAttempt _attempt;

    public ProtobufSpanTreeAllocationTests()
    {
        _request = new ChatCompletionRequest
        {
            Model = "openai/gpt-4o",
            Messages = [new ChatMessage { Role = "system", Content = "Be brief." }, new ChatMessage { Role = "user", Content = "Bonjour, ça va ? 東京" }],
            User = "user-42",
            SessionId = "session-7f3a",
            Trace = _trace,
            Temperature = 0.7,
            MaxTokens = 512,
            Stream = false,
        };
        _response = new ChatCompletionResponse
        {
            Id = "chatcmpl-9QzX4bT1",
            Model = "gpt-4o-2024-08-06",
            Choices = [new ChatChoice { Index = 0, FinishReason = "stop", Message = new ChatMessage { Role = "assistant", Content = "Très bien." } }],
            Usage = new ChatUsage { PromptTokens = 120, CompletionTokens = 48, TotalTokens = 168 },
        };
        DateTimeOffset start = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        _attempt = new ProviderAttempt("openai", start, start.AddMilliseconds(800), StatusCode: 200);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AWarmedSpanTreeEncodesToProtobufWithoutAllocating(bool includeContent)
    {
        var identity = new RequestIdentity
        {
            User = _request.User,
            SessionId = _request.SessionId,
            RawTraceId = _trace.TraceId,
            TraceName = _trace.TraceName,
            Metadata = _trace.Metadata,
        };
        var facts = new GenerationFacts
        {
            Operation = "chat",
            Provider = "openai",
            ServerAddress = "api.openai.com",
            ServerPort = 443,
            Cost = new GenerationCost(Input: 0.0000225, Output: 0.00009),
            ErrorType = null,
            TimeToFirstTokenSeconds = 0.25,
        };
        var policy = new ContentPolicy(ContentFormat.GenAiConventions, 32 * 1024);

        // The tree really is what the broadcaster sends: three spans, content only when included, metadata typed.
        EncodeTree(identity, facts, policy, includeContent);
        DecodedTraces decoded = OtlpProtobufTraceDecoder.Decode(_body.WrittenSpan);
        Assert.Equal(["Chat Handler", "chat openai/gpt-4o", "attempt openai"], decoded.Spans.Select(s => s.Name));
        ReceivedSpan generation = decoded.Spans[1];
        Assert.Equal("staging", generation["trace.metadata.environment"].AsString());
        Assert.Equal(2, generation["trace.metadata.attempt"].AsInt());
        Assert.Equal(48, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.Equal(["stop"], generation["gen_ai.response.finish_reasons"].AsArray().Select(v => v.AsString()));
        Assert.Equal(includeContent, generation.TryGetAttribute("gen_ai.input.messages", out ReceivedValue? input));
        if (includeContent)
        {
            Assert.Contains("東京", input!.AsString(), StringComparison.Ordinal);
        }

        for (int i = 0; i < WarmUp; i++)
        {
            EncodeTree(identity, facts, policy, includeContent);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            EncodeTree(identity, facts, policy, includeContent);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes over {Iterations} span trees ({(double)allocated / Iterations:0.##} per tree)");
    }

    /// <summary>The three fragments, as <c>SpanTree</c> encodes a protobuf variant, and the request body around them.</summary>
    private void EncodeTree(RequestIdentity identity, GenerationFacts facts, ContentPolicy policy, bool includeContent)
    {
        var root = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identity, failed: false, intermediate: false), policy);
        _fragments[0] = OtlpProtobufSpanEncoder.Encode(Header(RootId, default, "Chat Handler", SpanKind.Server), ref root, !includeContent);

        var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
            new(identity, facts, new(_request, includeContent), new(_response, includeContent)), policy);
        _fragments[1] = OtlpProtobufSpanEncoder.Encode(Header(GenerationId, RootId, "chat openai/gpt-4o", SpanKind.Client), ref generation, !includeContent);

        var attempt = new PolicyAttributeSource<AttemptSpanAttributes>(new AttemptSpanAttributes(_attempt, 1), policy);
        _fragments[2] = OtlpProtobufSpanEncoder.Encode(Header(AttemptId, GenerationId, "attempt openai", SpanKind.Client), ref attempt, !includeContent);

        _body.ResetWrittenCount();
        _envelope.Write(_body, _fragments);
        foreach (SpanFragment fragment in _fragments)
        {
            fragment.Release();
        }
    }

    private static SpanHeader Header(SpanId id, SpanId parent, string name, SpanKind kind) => new()
    {
        TraceId = Trace,
        SpanId = id,
        ParentSpanId = parent,
        Name = name,
        Kind = kind,
        StartTimeUnixNano = 1_795_867_200_000_000_000,
        EndTimeUnixNano = 1_795_867_200_842_500_000,
        Status = SpanStatus.Ok,
        Flags = SpanFlags.ContextHasIsRemote,
    };
}

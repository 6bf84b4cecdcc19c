using System.Buffers;
using System.Text.Json;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Tests.OtlpEncoding;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// A whole span tree, encoded as the broadcaster encodes one variant (the attribute sources behind the destination
/// policy, precomposed keys for the broadcaster's own attributes and for the DTOs' generated writers): the encoder's
/// own JSON writer must give exactly the bytes of the general path, and a warmed-up encoding must allocate nothing.
/// </summary>
[Collection(SerialEncodingCollection.Name)]
public class SpanTreeEncodingTests
{
    private static readonly TraceId Trace = TraceId.FromString("app_trace_001");
    private static readonly SpanId RootId = SpanId.FromString("root");
    private static readonly SpanId IntermediateId = SpanId.FromString("intermediate");
    private static readonly SpanId GenerationId = SpanId.FromString("generation");
    private static readonly SpanId AttemptId = SpanId.FromString("attempt");

    /// <summary>Every attribute the broadcaster writes itself, with escaping, long and non-ASCII values.</summary>
    private static Tree FullTree(bool includeContent, bool failed) => new(
        TraceField.Parse("""
            {"trace_id":"app_trace_001","trace_name":"Chat \"Handler\"","environment":"staging","team":{"name":"search","size":7},
             "quoted":"say \"hi\"\n\u00e9","ratio":0.25,"on":true,"tags":["a","b\"c",1,null,{"x":1}]}
            """),
        new ChatCompletionRequest
        {
            Model = "openai/gpt-4o",
            Messages = [new ChatMessage { Role = "system", Content = "Be \"brief\"." }, new ChatMessage { Role = "user", Content = "東京 😀 " + new string('x', 2000) }],
            User = new string('u', 200),
            SessionId = "session-é",
            Temperature = 0.7,
            TopP = double.NaN,
            MaxTokens = 512,
            Seed = -1234,
            Stream = true,
            Stop = ["\n\n", "END"],
        },
        new ChatCompletionResponse
        {
            Id = "chatcmpl-1",
            Model = "gpt-4o-2024-08-06",
            Choices =
            [
                new ChatChoice { FinishReason = "stop", Message = new ChatMessage { Role = "assistant", Content = "Hi \u0001 there" } },
                new ChatChoice { FinishReason = null, Message = new ChatMessage { Role = "assistant", Content = null } },
            ],
            Usage = new ChatUsage
            {
                PromptTokens = 120,
                CompletionTokens = 48,
                TotalTokens = 168,
                PromptTokensDetails = new PromptTokensDetails { CachedTokens = 100 },
                CompletionTokensDetails = new CompletionTokensDetails { ReasoningTokens = 0 },
            },
        },
        new GenerationFacts
        {
            Operation = "chat",
            Provider = "openai",
            ServerAddress = "api.example.com",
            ServerPort = 443,
            Cost = new GenerationCost(Input: 0.0000225, Output: double.PositiveInfinity),
            ErrorType = failed ? "timeout" : null,
            TimeToFirstTokenSeconds = 0.125,
        },
        new ProviderAttempt("openai", DateTimeOffset.UnixEpoch.AddSeconds(1), DateTimeOffset.UnixEpoch.AddSeconds(2), StatusCode: 503, ErrorType: failed ? "503" : null),
        includeContent);

    [Theory]
    [InlineData(true, false, ContentFormat.GenAiConventions)]
    [InlineData(false, false, ContentFormat.GenAiConventions)]
    [InlineData(true, true, ContentFormat.RouterCompatible)]
    [InlineData(false, true, ContentFormat.RouterCompatible)]
    public void TheEncoderWritesTheBytesOfTheGeneralPath(bool includeContent, bool failed, ContentFormat format)
    {
        Tree tree = FullTree(includeContent, failed);
        var policy = new ContentPolicy(format, maxLength: 1000);

        string[] general = tree.Encode(policy, new ThroughWriter());
        string[] fast = tree.Encode(policy, new ThroughEncoder());

        Assert.Equal(general, fast);
        Assert.Contains("\"key\":\"gen_ai.usage.output_cost\",\"value\":{\"stringValue\":\"Infinity\"}", fast[2], StringComparison.Ordinal);
        Assert.Contains("\"key\":\"trace.metadata.quoted\",\"value\":{\"stringValue\":\"say \\\"hi\\\"\\né\"}", fast[0], StringComparison.Ordinal);
        Assert.Contains("\"key\":\"user.id\",\"value\":{\"stringValue\":\"" + new string('u', 127) + "…\"}", fast[0], StringComparison.Ordinal);
        foreach (string span in fast)
        {
            using JsonDocument parsed = JsonDocument.Parse(span);
        }
    }

    [Fact]
    public void TheCountsOfWhatThePolicyCutComeBackThroughTheSources()
    {
        // 70 metadata entries: six over the limit of 64.
        string manyKeys = string.Join(",", Enumerable.Range(0, 70).Select(i => $"\"k{i:00}\":{i}"));
        Tree tree = FullTree(includeContent: true, failed: false) with { Metadata = TraceField.Parse("{\"trace_id\":\"t\"," + manyKeys + "}") };
        (int truncated, int metadataCut) = tree.Count(new ContentPolicy(ContentFormat.GenAiConventions, maxLength: 1000));

        // user.id on the root, the intermediate and the generation span, and the input messages (over 1000 characters).
        Assert.Equal(4, truncated);

        // Six entries cut on each of the three spans that carry the identity.
        Assert.Equal(18, metadataCut);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AWarmedUpTreeEncodesWithoutAllocating(bool includeContent)
    {
        // Nothing over a limit (cutting a value makes a new string), and no metadata array (written as an
        // AttributeValue array, which is allocated).
        Tree tree = FullTree(includeContent, failed: false) with
        {
            Metadata = TraceField.Parse("""{"trace_id":"t","environment":"staging","team":{"name":"search","size":7},"quoted":"say \"hi\"","on":true}"""),
        };
        tree.Request.User = "user-42";
        var policy = new ContentPolicy(ContentFormat.GenAiConventions, maxLength: 32 * 1024);
        for (int i = 0; i < 200; i++)
        {
            tree.EncodeAndRelease(policy);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            tree.EncodeAndRelease(policy);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes over 1000 trees");
    }

    [Fact]
    public void WarmedUpMetadataOfStringsNumbersAndObjectsIsWrittenWithoutAllocating()
    {
        TraceField field = TraceField.Parse("""{"environment":"staging","quoted":"say \"hi\"","n":7,"d":0.5,"on":true,"team":{"name":"search","owner":{"id":7}}}""");
        var identity = new TraceSpanAttributes(
            new RequestIdentity { User = null, SessionId = null, RawTraceId = null, TraceName = null, Metadata = field.Metadata }, failed: false, intermediate: false);
        SpanHeader header = SpanHeader.From(new OtlpSpan(Trace, RootId, "s"));
        for (int i = 0; i < 100; i++)
        {
            OtlpJsonSpanEncoder.Encode(header, ref identity, contentWithheld: false).Release();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            OtlpJsonSpanEncoder.Encode(header, ref identity, contentWithheld: false).Release();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>One way of encoding a span to JSON text (an interface, since a delegate cannot be generic).</summary>
    private interface ISpanEncoder
    {
        string Encode<TSource>(in SpanHeader header, ref TSource source) where TSource : struct, IAttributeSource;
    }

    /// <summary>The general path: <see cref="OtlpJsonSpanWriter"/> through a <see cref="Utf8JsonWriter"/>.</summary>
    private sealed class ThroughWriter : ISpanEncoder
    {
        public string Encode<TSource>(in SpanHeader header, ref TSource source) where TSource : struct, IAttributeSource
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
            {
                OtlpJsonSpanWriter.Write(writer, header, ref source);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>The encoder the broadcaster uses, writing JSON text itself.</summary>
    private sealed class ThroughEncoder : ISpanEncoder
    {
        public string Encode<TSource>(in SpanHeader header, ref TSource source) where TSource : struct, IAttributeSource
        {
            SpanFragment fragment = OtlpJsonSpanEncoder.Encode(header, ref source, contentWithheld: false);
            try
            {
                return System.Text.Encoding.UTF8.GetString(EncodingTestHelpers.AssertValidUtf8WithoutBom(fragment.Bytes.ToArray()));
            }
            finally
            {
                fragment.Release();
            }
        }
    }

    private sealed record Tree(
        TraceField Metadata,
        ChatCompletionRequest Request,
        ChatCompletionResponse Response,
        GenerationFacts Facts,
        ProviderAttempt Attempt,
        bool IncludeContent)
    {
        private RequestIdentity Identity => new()
        {
            User = Request.User,
            SessionId = Request.SessionId,
            RawTraceId = Metadata.TraceId,
            TraceName = Metadata.TraceName,
            Metadata = Metadata.Metadata,
        };

        private bool Failed => Facts.ErrorType is not null;

        /// <summary>Root, intermediate, generation and attempt, each through <paramref name="encode"/>.</summary>
        public string[] Encode(ContentPolicy policy, ISpanEncoder encode)
        {
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new(Identity, Failed, intermediate: false), policy);
            var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new(Identity, Failed, intermediate: true), policy);
            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
                new(Identity, Facts, new(Request, IncludeContent), new(Response, IncludeContent)), policy);
            var attempt = new PolicyAttributeSource<AttemptSpanAttributes>(new(Attempt, 1), policy);
            return
            [
                encode.Encode(Header(RootId, default, SpanKind.Server), ref root),
                encode.Encode(Header(IntermediateId, RootId, SpanKind.Internal), ref intermediate),
                encode.Encode(Header(GenerationId, IntermediateId, SpanKind.Client), ref generation),
                encode.Encode(Header(AttemptId, GenerationId, SpanKind.Client), ref attempt),
            ];
        }

        /// <summary>What the policy cut and the metadata entries cut, over the whole tree.</summary>
        public (int Truncated, int MetadataCut) Count(ContentPolicy policy)
        {
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new(Identity, Failed, intermediate: false), policy);
            var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new(Identity, Failed, intermediate: true), policy);
            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
                new(Identity, Facts, new(Request, IncludeContent), new(Response, IncludeContent)), policy);
            OtlpJsonSpanEncoder.Encode(Header(RootId, default, SpanKind.Server), ref root, false).Release();
            OtlpJsonSpanEncoder.Encode(Header(IntermediateId, RootId, SpanKind.Internal), ref intermediate, false).Release();
            OtlpJsonSpanEncoder.Encode(Header(GenerationId, IntermediateId, SpanKind.Client), ref generation, false).Release();
            return (root.Truncated + intermediate.Truncated + generation.Truncated,
                root.Source.MetadataCut + intermediate.Source.MetadataCut + generation.Source.MetadataCut);
        }

        /// <summary>The tree as <c>SpanTree</c> encodes it for one JSON variant, fragments released.</summary>
        public void EncodeAndRelease(ContentPolicy policy)
        {
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new(Identity, Failed, intermediate: false), policy);
            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
                new(Identity, Facts, new(Request, IncludeContent), new(Response, IncludeContent)), policy);
            var attempt = new PolicyAttributeSource<AttemptSpanAttributes>(new(Attempt, 1), policy);
            OtlpJsonSpanEncoder.Encode(Header(RootId, default, SpanKind.Server), ref root, !IncludeContent).Release();
            OtlpJsonSpanEncoder.Encode(Header(GenerationId, RootId, SpanKind.Client), ref generation, !IncludeContent).Release();
            OtlpJsonSpanEncoder.Encode(Header(AttemptId, GenerationId, SpanKind.Client), ref attempt, !IncludeContent).Release();
        }

        private SpanHeader Header(SpanId id, SpanId parent, SpanKind kind) => new()
        {
            TraceId = Trace,
            SpanId = id,
            ParentSpanId = parent,
            Name = kind == SpanKind.Server ? "Chat Handler" : "chat openai/gpt-4o",
            Kind = kind,
            StartTimeUnixNano = 1_764_331_200_000_000_000,
            EndTimeUnixNano = 1_764_331_200_842_500_000,
            Status = Failed ? SpanStatus.Error("timed out after \"30 s\"") : SpanStatus.Ok,
            Flags = SpanFlags.ContextHasIsRemote,
        };
    }
}

using System.Buffers;
using System.Text.Json;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
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

    /// <summary>The full tree without what allocates by design: a value over a limit (cutting it makes a new string)
    /// and a metadata array (written as an AttributeValue array).</summary>
    private static Tree AllocationFreeTree(bool includeContent)
    {
        Tree tree = FullTree(includeContent, failed: false) with
        {
            Metadata = TraceField.Parse("""{"trace_id":"t","environment":"staging","team":{"name":"search","size":7},"quoted":"say \"hi\"","on":true}"""),
        };
        tree.Request.User = "user-42";
        return tree;
    }

    [Theory]
    [InlineData(true, false, ContentFormat.GenAiConventions, true)]
    [InlineData(false, false, ContentFormat.GenAiConventions, true)]
    [InlineData(true, true, ContentFormat.RouterCompatible, true)]
    [InlineData(false, true, ContentFormat.RouterCompatible, true)]
    [InlineData(true, false, ContentFormat.GenAiConventions, false)]
    [InlineData(false, true, ContentFormat.RouterCompatible, false)]
    public void TheEncoderWritesTheBytesOfTheGeneralPath(bool includeContent, bool failed, ContentFormat format, bool repeatIdentity)
    {
        // With repeatIdentity, the encoder writes the identity attributes for the root span and copies them into the
        // intermediate and generation spans; the general path writes them every time.
        Tree tree = FullTree(includeContent, failed) with { RepeatIdentity = repeatIdentity };
        var policy = new ContentPolicy(format, MaxLength: 1000);

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

    [Theory]
    [InlineData(true, SpanEncoding.Json)]
    [InlineData(false, SpanEncoding.Json)]
    [InlineData(true, SpanEncoding.Protobuf)]
    [InlineData(false, SpanEncoding.Protobuf)]
    public void TheCountsOfWhatThePolicyCutComeBackThroughTheSources(bool repeatIdentity, SpanEncoding encoding)
    {
        // 70 metadata entries: six over the limit of 64. Copied identity attributes count as written ones.
        string manyKeys = string.Join(",", Enumerable.Range(0, 70).Select(i => $"\"k{i:00}\":{i}"));
        Tree tree = FullTree(includeContent: true, failed: false) with
        {
            Metadata = TraceField.Parse("{\"trace_id\":\"t\"," + manyKeys + "}"),
            RepeatIdentity = repeatIdentity,
        };
        (int truncated, int metadataCut) = tree.Count(new ContentPolicy(ContentFormat.GenAiConventions, MaxLength: 1000), encoding);

        // user.id on the root, the intermediate and the generation span, and the input messages (over 1000 characters).
        Assert.Equal(4, truncated);

        // Six entries cut on each of the three spans that carry the identity.
        Assert.Equal(18, metadataCut);
    }

    [Theory]
    [InlineData(true, SpanEncoding.Json)]
    [InlineData(false, SpanEncoding.Json)]
    [InlineData(true, SpanEncoding.Protobuf)]
    [InlineData(false, SpanEncoding.Protobuf)]
    public void AWarmedUpTreeEncodesWithoutAllocating(bool includeContent, SpanEncoding encoding)
    {
        // The identity is copied from span to span, as the broadcaster encodes a tree.
        Tree tree = AllocationFreeTree(includeContent);
        var policy = new ContentPolicy(ContentFormat.GenAiConventions, MaxLength: 32 * 1024);
        for (int i = 0; i < 200; i++)
        {
            tree.EncodeAndRelease(policy, encoding);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            tree.EncodeAndRelease(policy, encoding);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes over 1000 trees");
    }

    [Fact]
    public void IdentitiesOfOtherTreesAndPoliciesAreNeverCopied()
    {
        // Spans of two trees (different users and metadata) and two policies (different limits), interleaved on one
        // thread: each span must carry its own tree's identity, cut by its own policy.
        Tree first = FullTree(includeContent: false, failed: false);
        Tree second = FullTree(includeContent: false, failed: false) with { Metadata = TraceField.Parse("""{"trace_id":"other","team":"ads"}""") };
        second.Request.User = "someone-else";
        var wide = new ContentPolicy(ContentFormat.GenAiConventions, MaxLength: 1000);
        var narrow = new ContentPolicy(ContentFormat.GenAiConventions, MaxLength: 3);
        RequestIdentity a = first.NewIdentity();
        RequestIdentity b = second.NewIdentity();

        foreach ((RequestIdentity identity, ContentPolicy policy) in new[] { (a, wide), (b, wide), (a, wide), (a, narrow), (a, narrow), (b, narrow), (a, wide) })
        {
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, failed: false, intermediate: false), policy);
            var general = root;
            Assert.Equal(new ThroughWriter().Encode(Header, ref general), new ThroughEncoder().Encode(Header, ref root));
            Assert.Equal(general.Truncated, root.Truncated);
        }
    }

    [Theory]
    [InlineData(SpanEncoding.Json)]
    [InlineData(SpanEncoding.Protobuf)]
    public void WithinATreeTheIdentityIsWrittenOnceAndCopied(SpanEncoding encoding)
    {
        // Shows the copy is taken: the metadata changes after the first span, and the next span of the same tree
        // (same block id and policy) still carries what the first one wrote.
        TraceField field = TraceField.Parse("""{"trace_id":"t","environment":"staging"}""");
        var identity = new RequestIdentity
        {
            User = "u", SessionId = null, RawTraceId = "t", TraceName = null, Metadata = field.Metadata, BlockId = RequestIdentity.NewBlockId(),
        };
        var policy = new ContentPolicy(ContentFormat.GenAiConventions, MaxLength: 1000);
        var root = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, failed: false, intermediate: false), policy);
        ReceivedSpan first = EncodeAndDecode(encoding, ref root);

        field.Metadata!["environment"] = JsonDocument.Parse("\"production\"").RootElement.Clone();
        var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, failed: false, intermediate: true), policy);
        ReceivedSpan second = EncodeAndDecode(encoding, ref intermediate);

        Assert.Equal("staging", first["trace.metadata.environment"].AsString());
        Assert.Equal("staging", second["trace.metadata.environment"].AsString());
        Assert.Equal("span", second["span.type"].AsString());
        Assert.Equal(first.Attributes.Select(a => a.Key), second.Attributes.Select(a => a.Key));
    }

    [Theory]
    [InlineData(true, false, ContentFormat.GenAiConventions)]
    [InlineData(false, true, ContentFormat.RouterCompatible)]
    public void TheProtobufEncoderCopiesTheIdentityAsItWouldWriteIt(bool includeContent, bool failed, ContentFormat format)
    {
        // The full tree's identity holds a value cut to the limit, escapes, non-ASCII text, an object flattened and an
        // array (a nested message): copied into the intermediate and generation spans, it must be the bytes written.
        Tree tree = FullTree(includeContent, failed);
        var policy = new ContentPolicy(format, MaxLength: 1000);

        string[] written = (tree with { RepeatIdentity = false }).Encode(policy, new ThroughProtobufEncoder());
        string[] copied = tree.Encode(policy, new ThroughProtobufEncoder());

        Assert.Equal(written, copied);
        SpanFragment fragment = SpanFragment.CopyOf(Convert.FromHexString(copied[2]), SpanEncoding.Protobuf, contentWithheld: false);
        ReceivedSpan generation = EncodingTestHelpers.DecodeOne(fragment);
        fragment.Release();
        Assert.Equal(new string('u', 127) + "…", generation["user.id"].AsString());
        Assert.Equal("search", generation["trace.metadata.team.name"].AsString());
        Assert.Equal(5, generation["trace.metadata.tags"].AsArray().Count);
    }

    [Fact]
    public void JsonAndProtobufVariantsOfOneTreeEachCopyTheirOwnBlock()
    {
        // The broadcaster encodes one tree (one block id) in every variant its destinations need, with the same
        // policy for a JSON and a protobuf destination: each encoding must copy its own bytes, also when their spans
        // are encoded in turn.
        Tree tree = FullTree(includeContent: false, failed: false);
        var policy = new ContentPolicy(ContentFormat.GenAiConventions, MaxLength: 1000);
        RequestIdentity copied = tree.NewIdentity();
        RequestIdentity written = (tree with { RepeatIdentity = false }).NewIdentity();
        ISpanEncoder[] encoders = [new ThroughEncoder(), new ThroughProtobufEncoder()];

        foreach (bool intermediate in new[] { false, true, true })
        {
            foreach (ISpanEncoder encoder in encoders)
            {
                var fromCopy = new PolicyAttributeSource<TraceSpanAttributes>(new(copied, failed: false, intermediate), policy);
                var fromWrite = new PolicyAttributeSource<TraceSpanAttributes>(new(written, failed: false, intermediate), policy);
                Assert.Equal(encoder.Encode(Header, ref fromWrite), encoder.Encode(Header, ref fromCopy));
                Assert.Equal(fromWrite.Truncated, fromCopy.Truncated);
                Assert.Equal(fromWrite.Source.MetadataCut, fromCopy.Source.MetadataCut);
            }
        }
    }

    private static SpanHeader Header => new() { TraceId = Trace, SpanId = RootId, Name = "n", StartTimeUnixNano = 1, EndTimeUnixNano = 2 };

    /// <summary>The span, encoded in <paramref name="encoding"/> and read back from a request body.</summary>
    private static ReceivedSpan EncodeAndDecode<TSource>(SpanEncoding encoding, ref TSource source) where TSource : struct, IAttributeSource
    {
        SpanFragment fragment = SpanEnvelopes.Encode(encoding, Header, ref source, contentWithheld: false);
        try
        {
            return EncodingTestHelpers.DecodeOne(fragment);
        }
        finally
        {
            fragment.Release();
        }
    }

    [Fact]
    public void ContentLongerInBytesThanTheLimitButNotInCharactersIsNotCutNorDecoded()
    {
        // 1,500 CJK characters are 4,500 bytes of UTF-8: over a 3,000-character limit in bytes, not in characters.
        Tree tree = AllocationFreeTree(includeContent: true);
        tree.Request.Messages = [new ChatMessage { Role = "user", Content = new string('東', 1500) }];
        var policy = new ContentPolicy(ContentFormat.GenAiConventions, MaxLength: 3000);
        for (int i = 0; i < 200; i++)
        {
            tree.EncodeAndRelease(policy);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            tree.EncodeAndRelease(policy);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((0, 0), tree.Count(policy, SpanEncoding.Json));
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

    /// <summary>The protobuf encoder the broadcaster uses; the fragment's bytes in hex.</summary>
    private sealed class ThroughProtobufEncoder : ISpanEncoder
    {
        public string Encode<TSource>(in SpanHeader header, ref TSource source) where TSource : struct, IAttributeSource
        {
            SpanFragment fragment = OtlpProtobufSpanEncoder.Encode(header, ref source, contentWithheld: false);
            try
            {
                return Convert.ToHexString(fragment.Bytes);
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
        /// <summary>Whether the identity gets a block id, as <c>SpanTree</c> gives it (the JSON encoder then copies the
        /// identity attributes from span to span).</summary>
        public bool RepeatIdentity { get; init; } = true;

        /// <summary>The identity of one encoding of the tree.</summary>
        public RequestIdentity NewIdentity() => new()
        {
            User = Request.User,
            SessionId = Request.SessionId,
            RawTraceId = Metadata.TraceId,
            TraceName = Metadata.TraceName,
            Metadata = Metadata.Metadata,
            BlockId = RepeatIdentity ? RequestIdentity.NewBlockId() : 0,
        };

        private bool Failed => Facts.ErrorType is not null;

        /// <summary>Root, intermediate, generation and attempt, each through <paramref name="encode"/>.</summary>
        public string[] Encode(ContentPolicy policy, ISpanEncoder encode)
        {
            RequestIdentity identity = NewIdentity();
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, Failed, intermediate: false), policy);
            var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, Failed, intermediate: true), policy);
            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
                new(identity, Facts, new(Request, IncludeContent), new(Response, IncludeContent)), policy);
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
        public (int Truncated, int MetadataCut) Count(ContentPolicy policy, SpanEncoding encoding)
        {
            RequestIdentity identity = NewIdentity();
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, Failed, intermediate: false), policy);
            var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, Failed, intermediate: true), policy);
            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
                new(identity, Facts, new(Request, IncludeContent), new(Response, IncludeContent)), policy);
            SpanEnvelopes.Encode(encoding, Header(RootId, default, SpanKind.Server), ref root, false).Release();
            SpanEnvelopes.Encode(encoding, Header(IntermediateId, RootId, SpanKind.Internal), ref intermediate, false).Release();
            SpanEnvelopes.Encode(encoding, Header(GenerationId, IntermediateId, SpanKind.Client), ref generation, false).Release();
            return (root.Truncated + intermediate.Truncated + generation.Truncated,
                root.Source.MetadataCut + intermediate.Source.MetadataCut + generation.Source.MetadataCut);
        }

        /// <summary>The tree as <c>SpanTree</c> encodes it for one variant, fragments released.</summary>
        public void EncodeAndRelease(ContentPolicy policy, SpanEncoding encoding = SpanEncoding.Json)
        {
            RequestIdentity identity = NewIdentity();
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new(identity, Failed, intermediate: false), policy);
            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
                new(identity, Facts, new(Request, IncludeContent), new(Response, IncludeContent)), policy);
            var attempt = new PolicyAttributeSource<AttemptSpanAttributes>(new(Attempt, 1), policy);
            SpanEnvelopes.Encode(encoding, Header(RootId, default, SpanKind.Server), ref root, !IncludeContent).Release();
            SpanEnvelopes.Encode(encoding, Header(GenerationId, RootId, SpanKind.Client), ref generation, !IncludeContent).Release();
            SpanEnvelopes.Encode(encoding, Header(AttemptId, GenerationId, SpanKind.Client), ref attempt, !IncludeContent).Release();
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

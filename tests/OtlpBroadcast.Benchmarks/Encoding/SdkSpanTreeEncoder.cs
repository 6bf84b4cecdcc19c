using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// This SDK's way: the broadcaster's own attribute sources (generated writers for the DTOs) through
/// <see cref="OtlpJsonSpanEncoder"/> or <see cref="OtlpProtobufSpanEncoder"/>, exactly as <c>SpanTree</c> encodes one
/// variant.
/// </summary>
internal static class SdkSpanTreeEncoder
{
    /// <summary>Encodes the three spans to OTLP/JSON, building the per-request inputs first as the broadcaster does;
    /// the caller releases the fragments.</summary>
    public static void Encode(SpanTreeFixture f, Span<SpanFragment> fragments)
        => Encode(f, SdkSpanTreeInputs.For(f), fragments, SpanEncoding.Json);

    /// <summary>Encodes the three spans in <paramref name="encoding"/> from inputs built beforehand; the caller
    /// releases the fragments.</summary>
    public static void Encode(SpanTreeFixture f, in SdkSpanTreeInputs inputs, Span<SpanFragment> fragments, SpanEncoding encoding)
    {
        // One tree is one request: its identity block is new, as the broadcaster makes it for each request.
        RequestIdentity identity = inputs.Identity with { BlockId = RequestIdentity.NewBlockId() };
        long start = UnixNanos.From(SpanTreeFixture.Start);
        long end = UnixNanos.From(SpanTreeFixture.End);
        bool withheld = !f.IncludeContent;

        var root = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identity, failed: false, intermediate: false), inputs.Policy);
        fragments[0] = SpanEnvelopes.Encode(
            encoding,
            Header(SpanTreeFixture.RootId, default, SpanTreeFixture.RootName, SpanKind.Server, start, end, SpanFlags.ContextHasIsRemote),
            ref root,
            withheld);

        var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
            new(identity, inputs.Facts, new(f.Request, f.IncludeContent), new(f.Response, f.IncludeContent)), inputs.Policy);
        fragments[1] = SpanEnvelopes.Encode(
            encoding,
            Header(SpanTreeFixture.GenerationId, SpanTreeFixture.RootId, SpanTreeFixture.GenerationName, SpanKind.Client, start, end, SpanFlags.ContextHasIsRemote),
            ref generation,
            withheld);

        var attempt = new PolicyAttributeSource<AttemptSpanAttributes>(new AttemptSpanAttributes(f.Attempt, 1), inputs.Policy);
        fragments[2] = SpanEnvelopes.Encode(
            encoding,
            Header(SpanTreeFixture.AttemptId, SpanTreeFixture.GenerationId, SpanTreeFixture.AttemptName, SpanKind.Client,
                UnixNanos.From(f.Attempt.Start), UnixNanos.From(f.Attempt.End), SpanFlags.ContextHasIsRemote),
            ref attempt,
            withheld);
    }

    /// <summary>The three spans joined by commas (what a batch body holds).</summary>
    public static byte[] EncodeToArray(SpanTreeFixture f)
    {
        var fragments = new SpanFragment[3];
        Encode(f, fragments);
        using var joined = new MemoryStream();
        for (int i = 0; i < fragments.Length; i++)
        {
            if (i > 0)
            {
                joined.WriteByte((byte)',');
            }

            joined.Write(fragments[i].Bytes);
            fragments[i].Release();
        }

        return joined.ToArray();
    }

    private static SpanHeader Header(SpanId id, SpanId parent, string name, SpanKind kind, long start, long end, uint flags) => new()
    {
        TraceId = SpanTreeFixture.TraceId,
        SpanId = id,
        ParentSpanId = parent,
        Name = name,
        Kind = kind,
        StartTimeUnixNano = start,
        EndTimeUnixNano = end,
        Status = SpanStatus.Ok,
        Flags = flags,
    };
}

/// <summary>
/// What the broadcaster holds for one request before it encodes any variant: the identity and metadata every span
/// carries, the generation's facts (operation, provider, cost), and one variant's content policy. A struct, like the
/// broadcaster's own per-request state (which lives in pooled objects): building it allocates nothing.
/// </summary>
internal readonly struct SdkSpanTreeInputs
{
    private SdkSpanTreeInputs(RequestIdentity identity, GenerationFacts facts, ContentPolicy policy)
    {
        Identity = identity;
        Facts = facts;
        Policy = policy;
    }

    public RequestIdentity Identity { get; }

    public GenerationFacts Facts { get; }

    public ContentPolicy Policy { get; }

    public static SdkSpanTreeInputs For(SpanTreeFixture f) => new(
        new RequestIdentity
        {
            User = f.Request.User,
            SessionId = f.Request.SessionId,
            RawTraceId = f.Trace.TraceId,
            TraceName = f.Trace.TraceName,
            Metadata = f.Trace.Metadata,
        },
        new GenerationFacts
        {
            Operation = "chat",
            Provider = SpanTreeFixture.Provider,
            ServerAddress = null,
            ServerPort = null,
            Cost = f.Cost,
            ErrorType = null,
            TimeToFirstTokenSeconds = null,
        },
        new ContentPolicy(ContentFormat.GenAiConventions, 32 * 1024));
}

using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// This SDK's way: the broadcaster's own attribute sources (generated writers for the DTOs) through
/// <see cref="OtlpJsonSpanEncoder"/>, exactly as <c>SpanTree</c> encodes one variant.
/// </summary>
internal static class SdkSpanTreeEncoder
{
    /// <summary>Encodes the three spans; the caller releases the fragments.</summary>
    public static void Encode(SpanTreeFixture f, Span<SpanFragment> fragments)
    {
        var identity = new RequestIdentity
        {
            User = f.Request.User,
            SessionId = f.Request.SessionId,
            RawTraceId = f.Trace.TraceId,
            TraceName = f.Trace.TraceName,
            Metadata = f.Trace.Metadata,
            BlockId = RequestIdentity.NewBlockId(),
        };
        var facts = new GenerationFacts
        {
            Operation = "chat",
            Provider = SpanTreeFixture.Provider,
            ServerAddress = null,
            ServerPort = null,
            Cost = f.Cost,
            ErrorType = null,
            TimeToFirstTokenSeconds = null,
        };
        var policy = new ContentPolicy(ContentFormat.GenAiConventions, 32 * 1024);
        long start = UnixNanos.From(SpanTreeFixture.Start);
        long end = UnixNanos.From(SpanTreeFixture.End);
        bool withheld = !f.IncludeContent;

        var root = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identity, failed: false, intermediate: false), policy);
        fragments[0] = OtlpJsonSpanEncoder.Encode(
            Header(SpanTreeFixture.RootId, default, SpanTreeFixture.RootName, SpanKind.Server, start, end, SpanFlags.ContextHasIsRemote),
            ref root,
            withheld);

        var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<ChatCompletionRequest>, OtlpAttributesSource<ChatCompletionResponse>>>(
            new(identity, facts, new(f.Request, f.IncludeContent), new(f.Response, f.IncludeContent)), policy);
        fragments[1] = OtlpJsonSpanEncoder.Encode(
            Header(SpanTreeFixture.GenerationId, SpanTreeFixture.RootId, SpanTreeFixture.GenerationName, SpanKind.Client, start, end, SpanFlags.ContextHasIsRemote),
            ref generation,
            withheld);

        var attempt = new PolicyAttributeSource<AttemptSpanAttributes>(new AttemptSpanAttributes(f.Attempt, 1), policy);
        fragments[2] = OtlpJsonSpanEncoder.Encode(
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

using System.Diagnostics;

namespace OtlpBroadcast;

/// <summary>
/// Where a request's spans go: which trace, and under which parent span. Resolved once per request from its
/// <see cref="TraceField"/> and, without one, from the ambient <see cref="Activity"/>.
/// </summary>
/// <param name="TraceId">The trace of every span of the request.</param>
/// <param name="ParentSpanId">The parent of the request's top span; <see langword="default"/> for none.</param>
/// <param name="RawTraceId">The caller's <c>trace_id</c> string, when one was given (kept as an attribute).</param>
public readonly record struct TraceIdentity(TraceId TraceId, SpanId ParentSpanId, string? RawTraceId)
{
    /// <summary>
    /// Whether the parent is a span of this process (the ambient <see cref="Activity"/>) rather than one named by the
    /// caller (<c>parent_span_id</c>, a span of the caller's process). OTLP's span flags tell backends which it is,
    /// and the top span is then the parent's internal child rather than a server span (the service's own request
    /// span, the ambient one, is the server span).
    /// </summary>
    public bool ParentIsLocal { get; init; }

    /// <summary>Whether the top span's parent is a span of another process.</summary>
    internal bool ParentIsRemote => ParentSpanId.IsValid && !ParentIsLocal;

    /// <summary>
    /// The rules, in order:
    /// <list type="number">
    /// <item>a non-empty <c>trace_id</c>: the trace is <see cref="TraceId.FromString"/> of it, and a non-empty
    /// <c>parent_span_id</c> (<see cref="SpanId.FromString"/>) is the parent of the top span;</item>
    /// <item>otherwise the current <see cref="Activity"/>, if any: its trace, with the activity as the parent (a given
    /// <c>parent_span_id</c> then wins as the parent, inside that trace);</item>
    /// <item>otherwise a new random trace without a parent (a <c>parent_span_id</c> alone is ignored: a parent means
    /// nothing without its trace).</item>
    /// </list>
    /// </summary>
    public static TraceIdentity Resolve(TraceField? trace, Activity? ambient)
    {
        string? parentText = string.IsNullOrEmpty(trace?.ParentSpanId) ? null : trace.ParentSpanId;
        SpanId givenParent = parentText is null ? default : SpanId.FromString(parentText);
        if (!string.IsNullOrEmpty(trace?.TraceId))
        {
            return new TraceIdentity(TraceId.FromString(trace.TraceId), givenParent, trace.TraceId);
        }

        if (ambient is not null && ambient.IdFormat == ActivityIdFormat.W3C && ambient.TraceId != default)
        {
            Span<byte> traceBytes = stackalloc byte[TraceId.ByteLength];
            Span<byte> spanBytes = stackalloc byte[SpanId.ByteLength];
            ambient.TraceId.CopyTo(traceBytes);
            ambient.SpanId.CopyTo(spanBytes);
            return givenParent.IsValid
                ? new TraceIdentity(TraceId.FromBytes(traceBytes), givenParent, null)
                : new TraceIdentity(TraceId.FromBytes(traceBytes), SpanId.FromBytes(spanBytes), null) { ParentIsLocal = true };
        }

        return new TraceIdentity(TraceId.CreateRandom(), default, null);
    }
}

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
    /// <c>parent_span_id</c> (<see cref="SpanId.FromString"/>) is the parent of the top span, unless it is all zeros
    /// (W3C's invalid id: no parent);</item>
    /// <item>otherwise the current <see cref="Activity"/>, when a tracing SDK records it (its source has listeners and
    /// sampled it, so the host exports it): its trace, with the activity as the parent (a given <c>parent_span_id</c> then wins as the
    /// parent, inside that trace);</item>
    /// <item>otherwise, when nobody records the current activity (what ASP.NET Core leaves when no tracing SDK listens):
    /// the nearest activity it descends from that is recorded, as above; failing that, when the outermost one came with a
    /// parent from outside the process (a <c>traceparent</c> the service received), the caller's trace with the
    /// caller's span as the parent (or a given <c>parent_span_id</c>). Activities nobody records are skipped: nothing
    /// exports them, so a span under one would name a parent no backend ever receives;</item>
    /// <item>otherwise a new random trace without a parent (a <c>parent_span_id</c> alone is ignored: a parent means
    /// nothing without its trace).</item>
    /// </list>
    /// </summary>
    public static TraceIdentity Resolve(TraceField? trace, Activity? ambient)
    {
        // All zeros is W3C's invalid span id, which callers send for "no parent": derived like any other string, it
        // would name a parent no backend ever receives.
        string? parentText = string.IsNullOrEmpty(trace?.ParentSpanId) || IsAllZeros(trace.ParentSpanId) ? null : trace.ParentSpanId;
        SpanId givenParent = parentText is null ? default : SpanId.FromString(parentText);
        if (!string.IsNullOrEmpty(trace?.TraceId))
        {
            return new TraceIdentity(TraceId.FromString(trace.TraceId), givenParent, trace.TraceId);
        }

        if (ambient is not null && ambient.IdFormat == ActivityIdFormat.W3C && ambient.TraceId != default)
        {
            // The nearest activity that is exported, or else the span the outermost one came with from outside the
            // process (set from a traceparent, not an Activity of this process).
            for (Activity? activity = ambient; activity is not null; activity = activity.Parent)
            {
                if (IsExported(activity))
                {
                    return Join(activity.TraceId, activity.SpanId, givenParent) with { ParentIsLocal = !givenParent.IsValid };
                }

                if (activity.Parent is null && activity.ParentSpanId != default)
                {
                    return Join(activity.TraceId, activity.ParentSpanId, givenParent);
                }
            }
        }

        return new TraceIdentity(TraceId.CreateRandom(), default, null);
    }

    /// <summary>
    /// Whether a tracing SDK records <paramref name="activity"/>, so that a backend receives it: its source has
    /// listeners and it is marked recorded (sampled). The recorded flag alone does not tell: an activity started
    /// without listeners (ASP.NET Core's request activity when no tracing SDK runs) inherits it from the caller's
    /// <c>traceparent</c>, yet nothing exports it.
    /// </summary>
    private static bool IsExported(Activity activity) => activity.Recorded && activity.Source.HasListeners();

    private static bool IsAllZeros(string id) => id.AsSpan().IndexOfAnyExcept('0') < 0;

    /// <summary>The trace of <paramref name="traceId"/> under <paramref name="parent"/>, or under a given parent.</summary>
    private static TraceIdentity Join(ActivityTraceId traceId, ActivitySpanId parent, SpanId givenParent)
    {
        Span<byte> traceBytes = stackalloc byte[TraceId.ByteLength];
        Span<byte> spanBytes = stackalloc byte[SpanId.ByteLength];
        traceId.CopyTo(traceBytes);
        parent.CopyTo(spanBytes);
        return new TraceIdentity(TraceId.FromBytes(traceBytes), givenParent.IsValid ? givenParent : SpanId.FromBytes(spanBytes), null);
    }
}

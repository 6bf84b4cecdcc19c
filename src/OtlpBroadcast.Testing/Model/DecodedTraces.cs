namespace OtlpBroadcast.Testing;

/// <summary>A decoded OTLP <c>ExportTraceServiceRequest</c>.</summary>
public sealed class DecodedTraces
{
    /// <summary>Wraps the decoded groups.</summary>
    public DecodedTraces(IReadOnlyList<ReceivedResourceSpans> resourceSpans)
    {
        ResourceSpans = resourceSpans ?? throw new ArgumentNullException(nameof(resourceSpans));
        Spans = resourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).ToArray();
    }

    /// <summary>The <c>resourceSpans</c> entries in arrival order.</summary>
    public IReadOnlyList<ReceivedResourceSpans> ResourceSpans { get; }

    /// <summary>Every span of every group, in arrival order.</summary>
    public IReadOnlyList<ReceivedSpan> Spans { get; }
}

namespace OtlpBroadcast.Testing;

/// <summary>One <c>scopeSpans</c> entry.</summary>
public sealed class ReceivedScopeSpans
{
    /// <summary>The instrumentation scope.</summary>
    public ReceivedScope Scope { get; init; } = ReceivedScope.Empty;

    /// <summary><c>schemaUrl</c>; null when absent or empty.</summary>
    public string? SchemaUrl { get; init; }

    /// <summary>The spans in arrival order.</summary>
    public IReadOnlyList<ReceivedSpan> Spans { get; init; } = [];
}

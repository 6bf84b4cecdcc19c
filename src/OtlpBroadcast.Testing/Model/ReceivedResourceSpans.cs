namespace OtlpBroadcast.Testing;

/// <summary>One <c>resourceSpans</c> entry.</summary>
public sealed class ReceivedResourceSpans
{
    /// <summary>The resource.</summary>
    public ReceivedResource Resource { get; init; } = ReceivedResource.Empty;

    /// <summary><c>schemaUrl</c>; null when absent or empty.</summary>
    public string? SchemaUrl { get; init; }

    /// <summary>The scope groups in arrival order.</summary>
    public IReadOnlyList<ReceivedScopeSpans> ScopeSpans { get; init; } = [];
}

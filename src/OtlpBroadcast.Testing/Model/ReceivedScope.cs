namespace OtlpBroadcast.Testing;

/// <summary>The OTLP instrumentation <c>scope</c> of one <c>scopeSpans</c> entry.</summary>
public sealed class ReceivedScope
{
    /// <summary>A scope without name (also used when <c>scope</c> was absent).</summary>
    public static ReceivedScope Empty { get; } = new();

    /// <summary><c>name</c>; empty when absent.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>version</c>; null when absent or empty.</summary>
    public string? Version { get; init; }

    /// <summary>The scope attributes in arrival order.</summary>
    public ReceivedAttributeList Attributes { get; init; } = ReceivedAttributeList.Empty;

    /// <summary><c>droppedAttributesCount</c>.</summary>
    public uint DroppedAttributesCount { get; init; }
}

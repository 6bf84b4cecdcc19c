namespace OtlpBroadcast.Testing;

/// <summary>One span link.</summary>
public sealed class ReceivedLink
{
    /// <summary><c>traceId</c> as 32 lowercase hex characters.</summary>
    public required string TraceId { get; init; }

    /// <summary><c>spanId</c> as 16 lowercase hex characters.</summary>
    public required string SpanId { get; init; }

    /// <summary><c>traceState</c>; null when absent or empty.</summary>
    public string? TraceState { get; init; }

    /// <summary><c>flags</c>.</summary>
    public uint Flags { get; init; }

    /// <summary>The link attributes in arrival order.</summary>
    public ReceivedAttributeList Attributes { get; init; } = ReceivedAttributeList.Empty;

    /// <summary><c>droppedAttributesCount</c>.</summary>
    public uint DroppedAttributesCount { get; init; }

    /// <summary>The value of the link attribute with the given key.</summary>
    public ReceivedValue this[string key] => Attributes[key];
}

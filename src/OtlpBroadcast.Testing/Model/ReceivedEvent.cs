namespace OtlpBroadcast.Testing;

/// <summary>One span event.</summary>
public sealed class ReceivedEvent
{
    /// <summary><c>name</c>; empty when absent.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>timeUnixNano</c>.</summary>
    public long TimeUnixNano { get; init; }

    /// <summary>The event attributes in arrival order.</summary>
    public ReceivedAttributeList Attributes { get; init; } = ReceivedAttributeList.Empty;

    /// <summary><c>droppedAttributesCount</c>.</summary>
    public uint DroppedAttributesCount { get; init; }

    /// <summary>The value of the event attribute with the given key.</summary>
    public ReceivedValue this[string key] => Attributes[key];
}

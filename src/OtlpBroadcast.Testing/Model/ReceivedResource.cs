using System.Diagnostics.CodeAnalysis;

namespace OtlpBroadcast.Testing;

/// <summary>The OTLP <c>resource</c> shared by the spans of one <c>resourceSpans</c> entry.</summary>
public sealed class ReceivedResource
{
    /// <summary>A resource without attributes (also used when <c>resource</c> was absent).</summary>
    public static ReceivedResource Empty { get; } = new();

    /// <summary>The resource attributes in arrival order.</summary>
    public ReceivedAttributeList Attributes { get; init; } = ReceivedAttributeList.Empty;

    /// <summary><c>droppedAttributesCount</c>.</summary>
    public uint DroppedAttributesCount { get; init; }

    /// <summary>The value of the resource attribute with the given key.</summary>
    public ReceivedValue this[string key] => Attributes[key];

    /// <summary>Looks up a resource attribute.</summary>
    public bool TryGetAttribute(string key, [MaybeNullWhen(false)] out ReceivedValue value)
        => Attributes.TryGetValue(key, out value);
}

using System.Diagnostics.CodeAnalysis;

namespace OtlpBroadcast.Testing;

/// <summary>
/// One span as it arrived, with the resource and scope it was sent under. Empty strings for
/// optional ids and texts become null so that "absent" has one spelling in assertions.
/// </summary>
public sealed class ReceivedSpan
{
    /// <summary><c>traceId</c> as 32 lowercase hex characters.</summary>
    public required string TraceId { get; init; }

    /// <summary><c>spanId</c> as 16 lowercase hex characters.</summary>
    public required string SpanId { get; init; }

    /// <summary><c>parentSpanId</c>; null when absent or empty (a root span).</summary>
    public string? ParentSpanId { get; init; }

    /// <summary><c>traceState</c>; null when absent or empty.</summary>
    public string? TraceState { get; init; }

    /// <summary><c>flags</c> (bits 0-7 W3C trace flags, bits 8-9 remote-parent information).</summary>
    public uint Flags { get; init; }

    /// <summary><c>name</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>kind</c>: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer.</summary>
    public int Kind { get; init; }

    /// <summary><c>startTimeUnixNano</c>.</summary>
    public long StartTimeUnixNano { get; init; }

    /// <summary><c>endTimeUnixNano</c>.</summary>
    public long EndTimeUnixNano { get; init; }

    /// <summary>The span attributes in arrival order.</summary>
    public ReceivedAttributeList Attributes { get; init; } = ReceivedAttributeList.Empty;

    /// <summary><c>droppedAttributesCount</c>.</summary>
    public uint DroppedAttributesCount { get; init; }

    /// <summary><c>events</c> in arrival order.</summary>
    public IReadOnlyList<ReceivedEvent> Events { get; init; } = [];

    /// <summary><c>droppedEventsCount</c>.</summary>
    public uint DroppedEventsCount { get; init; }

    /// <summary><c>links</c> in arrival order.</summary>
    public IReadOnlyList<ReceivedLink> Links { get; init; } = [];

    /// <summary><c>droppedLinksCount</c>.</summary>
    public uint DroppedLinksCount { get; init; }

    /// <summary><c>status.code</c>: 0 unset, 1 ok, 2 error.</summary>
    public int StatusCode { get; init; }

    /// <summary><c>status.message</c>; null when absent or empty.</summary>
    public string? StatusMessage { get; init; }

    /// <summary>The resource the span was sent under.</summary>
    public ReceivedResource Resource { get; init; } = ReceivedResource.Empty;

    /// <summary>The instrumentation scope the span was sent under.</summary>
    public ReceivedScope Scope { get; init; } = ReceivedScope.Empty;

    /// <summary>The scope <c>name</c>.</summary>
    public string ScopeName => Scope.Name;

    /// <summary>The scope <c>version</c>; null when absent or empty.</summary>
    public string? ScopeVersion => Scope.Version;

    /// <summary>End minus start, in nanoseconds.</summary>
    public long DurationNanoseconds => EndTimeUnixNano - StartTimeUnixNano;

    /// <summary>The value of the span attribute with the given key.</summary>
    /// <exception cref="KeyNotFoundException">No such attribute; the message lists the keys that are present.</exception>
    public ReceivedValue this[string key] => Attributes[key];

    /// <summary>The value of the span attribute with the given key.</summary>
    /// <exception cref="KeyNotFoundException">No such attribute; the message lists the keys that are present.</exception>
    public ReceivedValue GetAttribute(string key) => Attributes[key];

    /// <summary>Looks up a span attribute.</summary>
    public bool TryGetAttribute(string key, [MaybeNullWhen(false)] out ReceivedValue value)
        => Attributes.TryGetValue(key, out value);

    /// <summary>Name and ids, for assertion messages.</summary>
    public override string ToString() => $"{Name} (trace {TraceId}, span {SpanId})";
}

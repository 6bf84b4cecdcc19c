using System.Diagnostics;

namespace OtlpBroadcast;

/// <summary>
/// An attribute key known at build time, together with the OTLP/JSON text that opens its <c>KeyValue</c> up to the
/// value, for one kind of value: for a string, <c>{"key":"gen_ai.request.model","value":{"stringValue":"</c>. The
/// generator emits both as UTF-8 literals, so the JSON encoder writes an attribute as one copy plus its value; every
/// other sink uses <see cref="Key"/>.
/// </summary>
/// <remarks>
/// The opening must match the value written with it: <c>{"key":"</c>, the key (which must need no JSON escaping),
/// <c>","value":{"</c>, then <c>stringValue":"</c> for strings, <c>intValue":"</c> for integers,
/// <c>doubleValue":</c> for doubles, <c>boolValue":</c> for booleans.
/// </remarks>
public readonly ref struct PrecomposedKey
{
    /// <summary>A key and its OTLP/JSON opening.</summary>
    /// <param name="key">The UTF-8 key, e.g. <c>"gen_ai.request.model"u8</c>.</param>
    /// <param name="json">The OTLP/JSON text of the <c>KeyValue</c> up to its value (see the remarks).</param>
    public PrecomposedKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json)
    {
        Debug.Assert(
            json.StartsWith("{\"key\":\""u8) && json[8..].StartsWith(key) && json[(8 + key.Length)..].StartsWith("\",\"value\":{\""u8),
            "The JSON opening must be {\"key\":\"<key>\",\"value\":{\"<kind>Value\":.");
        Key = key;
        Json = json;
    }

    /// <summary>The UTF-8 key.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The OTLP/JSON text of the <c>KeyValue</c> up to its value.</summary>
    public ReadOnlySpan<byte> Json { get; }
}

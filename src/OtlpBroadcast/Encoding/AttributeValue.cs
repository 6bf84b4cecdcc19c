using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OtlpBroadcast;

/// <summary>The kinds of value an OTLP <c>AnyValue</c> can hold.</summary>
public enum AttributeValueKind
{
    /// <summary>No value: nothing is written.</summary>
    None = 0,

    /// <summary><c>stringValue</c>.</summary>
    String,

    /// <summary><c>boolValue</c>.</summary>
    Bool,

    /// <summary><c>intValue</c> (64-bit, a decimal string in JSON).</summary>
    Int,

    /// <summary><c>doubleValue</c> (a JSON number; non-finite values are written as strings).</summary>
    Double,

    /// <summary><c>bytesValue</c> (base64 in JSON).</summary>
    Bytes,

    /// <summary><c>arrayValue</c>.</summary>
    Array,

    /// <summary><c>kvlistValue</c>.</summary>
    KeyValueList,
}

/// <summary>
/// One OTLP attribute value of any kind, for spans built at run time (events, links, resources, hand-made spans).
/// Generated writers do not use it: they call the typed <see cref="IAttributeSink"/> overloads directly.
/// </summary>
public readonly struct AttributeValue : IEquatable<AttributeValue>
{
    private readonly object? _reference;
    private readonly long _bits;

    private AttributeValue(AttributeValueKind kind, object? reference, long bits)
    {
        Kind = kind;
        _reference = reference;
        _bits = bits;
    }

    /// <summary>What this value holds.</summary>
    public AttributeValueKind Kind { get; }

    /// <summary>The string, when <see cref="Kind"/> is <see cref="AttributeValueKind.String"/>.</summary>
    public string? StringValue => Kind == AttributeValueKind.String ? (string?)_reference : null;

    /// <summary>The boolean, when <see cref="Kind"/> is <see cref="AttributeValueKind.Bool"/>.</summary>
    public bool BoolValue => Kind == AttributeValueKind.Bool && _bits != 0;

    /// <summary>The integer, when <see cref="Kind"/> is <see cref="AttributeValueKind.Int"/>.</summary>
    public long IntValue => Kind == AttributeValueKind.Int ? _bits : 0;

    /// <summary>The double, when <see cref="Kind"/> is <see cref="AttributeValueKind.Double"/>.</summary>
    public double DoubleValue => Kind == AttributeValueKind.Double ? BitConverter.Int64BitsToDouble(_bits) : 0;

    /// <summary>The bytes, when <see cref="Kind"/> is <see cref="AttributeValueKind.Bytes"/>.</summary>
    public ReadOnlyMemory<byte> BytesValue => Kind == AttributeValueKind.Bytes ? (byte[])_reference! : default;

    /// <summary>The items, when <see cref="Kind"/> is <see cref="AttributeValueKind.Array"/>.</summary>
    public ReadOnlySpan<AttributeValue> ArrayValue => Kind == AttributeValueKind.Array ? (AttributeValue[])_reference! : default;

    /// <summary>The entries, when <see cref="Kind"/> is <see cref="AttributeValueKind.KeyValueList"/>.</summary>
    public ReadOnlySpan<SpanAttribute> KeyValueListValue => Kind == AttributeValueKind.KeyValueList ? (SpanAttribute[])_reference! : default;

    /// <summary>A string value; <see langword="null"/> gives <see cref="AttributeValueKind.None"/>.</summary>
    public static AttributeValue FromString(string? value) => value is null ? default : new(AttributeValueKind.String, value, 0);

    /// <summary>A boolean value.</summary>
    public static AttributeValue FromBool(bool value) => new(AttributeValueKind.Bool, null, value ? 1 : 0);

    /// <summary>A 64-bit integer value.</summary>
    public static AttributeValue FromInt(long value) => new(AttributeValueKind.Int, null, value);

    /// <summary>A double value.</summary>
    public static AttributeValue FromDouble(double value) => new(AttributeValueKind.Double, null, BitConverter.DoubleToInt64Bits(value));

    /// <summary>A bytes value (copied, so later changes to the array do not show).</summary>
    public static AttributeValue FromBytes(ReadOnlySpan<byte> value) => new(AttributeValueKind.Bytes, value.ToArray(), 0);

    /// <summary>An array value (copied).</summary>
    public static AttributeValue FromArray(params ReadOnlySpan<AttributeValue> values) => new(AttributeValueKind.Array, values.ToArray(), 0);

    /// <summary>A key-value list value (copied).</summary>
    public static AttributeValue FromKeyValueList(params ReadOnlySpan<SpanAttribute> values) => new(AttributeValueKind.KeyValueList, values.ToArray(), 0);

    /// <summary>Converts a string.</summary>
    public static implicit operator AttributeValue(string? value) => FromString(value);

    /// <summary>Converts a boolean.</summary>
    public static implicit operator AttributeValue(bool value) => FromBool(value);

    /// <summary>Converts a 64-bit integer.</summary>
    public static implicit operator AttributeValue(long value) => FromInt(value);

    /// <summary>Converts a double.</summary>
    public static implicit operator AttributeValue(double value) => FromDouble(value);

    /// <inheritdoc/>
    public bool Equals(AttributeValue other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        return Kind switch
        {
            AttributeValueKind.None => true,
            AttributeValueKind.String => string.Equals(StringValue, other.StringValue, StringComparison.Ordinal),
            AttributeValueKind.Bytes => BytesValue.Span.SequenceEqual(other.BytesValue.Span),
            AttributeValueKind.Array => ArrayValue.SequenceEqual(other.ArrayValue),
            AttributeValueKind.KeyValueList => KeyValueListValue.SequenceEqual(other.KeyValueListValue),
            _ => _bits == other._bits,
        };
    }

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is AttributeValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Kind switch
    {
        AttributeValueKind.String => HashCode.Combine(Kind, StringValue),
        AttributeValueKind.Bytes or AttributeValueKind.Array or AttributeValueKind.KeyValueList => HashCode.Combine(Kind, ToString()),
        _ => HashCode.Combine(Kind, _bits),
    };

    /// <summary>Equality by kind and content.</summary>
    public static bool operator ==(AttributeValue left, AttributeValue right) => left.Equals(right);

    /// <summary>Inequality by kind and content.</summary>
    public static bool operator !=(AttributeValue left, AttributeValue right) => !left.Equals(right);

    /// <summary>A readable rendering for diagnostics and test output.</summary>
    public override string ToString() => Kind switch
    {
        AttributeValueKind.None => "<none>",
        AttributeValueKind.String => StringValue!,
        AttributeValueKind.Bool => BoolValue ? "true" : "false",
        AttributeValueKind.Int => IntValue.ToString(CultureInfo.InvariantCulture),
        AttributeValueKind.Double => DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AttributeValueKind.Bytes => Convert.ToBase64String(BytesValue.Span),
        AttributeValueKind.Array => "[" + string.Join(", ", ((AttributeValue[])_reference!).Select(v => v.ToString())) + "]",
        AttributeValueKind.KeyValueList => "{" + string.Join(", ", ((SpanAttribute[])_reference!).Select(a => a.ToString())) + "}",
        _ => Kind.ToString(),
    };
}

/// <summary>An OTLP <c>KeyValue</c>: an attribute key and its value.</summary>
/// <param name="Key">The attribute key, e.g. <c>gen_ai.request.model</c>.</param>
/// <param name="Value">The value.</param>
/// <param name="IsContent">Whether the value is sensitive content (a prompt, a completion, tool arguments): it is
/// never encoded for a destination in privacy mode.</param>
public readonly record struct SpanAttribute(string Key, AttributeValue Value, bool IsContent = false)
{
    /// <summary><c>key = value</c>.</summary>
    public override string ToString() => Key + " = " + Value.ToString();
}

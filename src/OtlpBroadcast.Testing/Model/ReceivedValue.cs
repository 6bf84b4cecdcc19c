namespace OtlpBroadcast.Testing;

/// <summary>
/// A typed OTLP attribute value as it arrived. The accessors throw when the value has another kind,
/// so that a test asserting on an int fails loudly when the exporter sent a string.
/// </summary>
public sealed class ReceivedValue
{
    private static readonly ReceivedValue True = new(ReceivedValueKind.Bool, null, 1, 0);
    private static readonly ReceivedValue False = new(ReceivedValueKind.Bool, null, 0, 0);

    private readonly object? _reference;
    private readonly long _integer;
    private readonly double _real;

    private ReceivedValue(ReceivedValueKind kind, object? reference, long integer, double real)
    {
        Kind = kind;
        _reference = reference;
        _integer = integer;
        _real = real;
    }

    /// <summary>Which <c>AnyValue</c> field carried the value.</summary>
    public ReceivedValueKind Kind { get; }

    /// <summary>Creates a string value.</summary>
    public static ReceivedValue FromString(string value)
        => new(ReceivedValueKind.String, value ?? throw new ArgumentNullException(nameof(value)), 0, 0);

    /// <summary>Creates a boolean value.</summary>
    public static ReceivedValue FromBool(bool value) => value ? True : False;

    /// <summary>Creates a 64-bit integer value.</summary>
    public static ReceivedValue FromInt(long value) => new(ReceivedValueKind.Int, null, value, 0);

    /// <summary>Creates a double value.</summary>
    public static ReceivedValue FromDouble(double value) => new(ReceivedValueKind.Double, null, 0, value);

    /// <summary>Creates a bytes value (the array is copied).</summary>
    public static ReceivedValue FromBytes(ReadOnlySpan<byte> value)
        => new(ReceivedValueKind.Bytes, value.ToArray(), 0, 0);

    /// <summary>Creates an array value.</summary>
    public static ReceivedValue FromArray(IEnumerable<ReceivedValue> values)
        => new(ReceivedValueKind.Array, values?.ToArray() ?? throw new ArgumentNullException(nameof(values)), 0, 0);

    /// <summary>Creates a key-value list value.</summary>
    public static ReceivedValue FromKeyValueList(IEnumerable<ReceivedAttribute> values)
        => new(ReceivedValueKind.KeyValueList, new ReceivedAttributeList(values), 0, 0);

    /// <summary>The <c>stringValue</c>.</summary>
    public string AsString() => (string)Expect(ReceivedValueKind.String)._reference!;

    /// <summary>The <c>boolValue</c>.</summary>
    public bool AsBool() => Expect(ReceivedValueKind.Bool)._integer != 0;

    /// <summary>The <c>intValue</c>.</summary>
    public long AsInt() => Expect(ReceivedValueKind.Int)._integer;

    /// <summary>The <c>doubleValue</c>.</summary>
    public double AsDouble() => Expect(ReceivedValueKind.Double)._real;

    /// <summary>The decoded <c>bytesValue</c>.</summary>
    public ReadOnlyMemory<byte> AsBytes() => (byte[])Expect(ReceivedValueKind.Bytes)._reference!;

    /// <summary>The elements of an <c>arrayValue</c>.</summary>
    public IReadOnlyList<ReceivedValue> AsArray() => (ReceivedValue[])Expect(ReceivedValueKind.Array)._reference!;

    /// <summary>The entries of a <c>kvlistValue</c>.</summary>
    public ReceivedAttributeList AsKeyValueList()
        => (ReceivedAttributeList)Expect(ReceivedValueKind.KeyValueList)._reference!;

    /// <summary>
    /// Renders the value so that its kind stays visible: strings quoted, doubles always with a decimal
    /// point or exponent, bytes as <c>base64:...</c>, arrays in <c>[...]</c>, key-value lists in <c>{...}</c>.
    /// </summary>
    public override string ToString() => ValueText.Render(this);

    private ReceivedValue Expect(ReceivedValueKind kind)
        => Kind == kind
            ? this
            : throw new InvalidOperationException($"The value is {Kind} ({this}), not {kind}.");
}

namespace OtlpBroadcast;

/// <summary>
/// Where span attributes are written. Generated writers call these methods with UTF-8 key literals
/// (<c>"gen_ai.request.model"u8</c>); each wire encoding implements them as a struct, so a generic writer
/// <c>Write&lt;TSink&gt;(ref TSink sink) where TSink : struct, IAttributeSink</c> is specialised per encoding and
/// every call is direct.
/// </summary>
/// <remarks>
/// <para>
/// Keys known at build time come as a <see cref="PrecomposedKey"/>: the key and the OTLP/JSON text that opens its
/// <c>KeyValue</c>. The JSON encoder copies that text; every other sink writes as it would for the plain key.
/// </para>
/// <para>
/// A <see langword="null"/> string writes nothing (optional members produce no empty attribute). Inside
/// <see cref="BeginKeyValueList"/> … <see cref="EndKeyValueList"/> the <c>Write</c> methods add entries to the
/// list; inside <see cref="BeginArray"/> … <see cref="EndArray"/> only <c>WriteArrayItem</c> is allowed.
/// </para>
/// </remarks>
public interface IAttributeSink
{
    /// <summary>A string attribute; <see langword="null"/> writes nothing.</summary>
    void Write(ReadOnlySpan<byte> key, string? value);

    /// <summary>A string attribute from characters (lone surrogates become U+FFFD).</summary>
    void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value);

    /// <summary>A string attribute from UTF-8 bytes (invalid sequences become U+FFFD).</summary>
    void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value);

    /// <summary>A boolean attribute.</summary>
    void Write(ReadOnlySpan<byte> key, bool value);

    /// <summary>A string attribute holding the JSON that generated code rendered into <paramref name="json"/> (a
    /// sensitive object member: messages, tool definitions). Every character a JSON string escapes is already escaped
    /// inside that JSON, which lets a JSON encoding embed it by escaping only its quotes and backslashes; other sinks
    /// take its UTF-8 as <see cref="WriteUtf8"/> does.</summary>
    void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json);

    /// <summary>A 64-bit integer attribute.</summary>
    void Write(ReadOnlySpan<byte> key, long value);

    /// <summary>A double attribute. OTLP cannot carry NaN or infinities as numbers: they are written as the strings
    /// <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>.</summary>
    void Write(ReadOnlySpan<byte> key, double value);

    /// <summary>A string attribute under a key with a precomposed <c>stringValue</c> opening; <see langword="null"/>
    /// writes nothing.</summary>
    void Write(PrecomposedKey key, string? value);

    /// <summary>A 64-bit integer attribute under a key with a precomposed <c>intValue</c> opening.</summary>
    void Write(PrecomposedKey key, long value);

    /// <summary>A double attribute under a key with a precomposed <c>doubleValue</c> opening (NaN and infinities are
    /// still written as strings).</summary>
    void Write(PrecomposedKey key, double value);

    /// <summary>A boolean attribute under a key with a precomposed <c>boolValue</c> opening.</summary>
    void Write(PrecomposedKey key, bool value);

    /// <summary>A bytes attribute.</summary>
    void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>An attribute of any kind; <see cref="AttributeValueKind.None"/> writes nothing.</summary>
    void Write(ReadOnlySpan<byte> key, in AttributeValue value);

    /// <summary>Starts an array attribute; follow with <c>WriteArrayItem</c> calls and <see cref="EndArray"/>.</summary>
    void BeginArray(ReadOnlySpan<byte> key);

    /// <summary>A string array item; <see langword="null"/> becomes the empty string, as the OpenTelemetry
    /// specification allows for exporters that cannot carry nulls.</summary>
    void WriteArrayItem(string? value);

    /// <summary>A string array item from characters.</summary>
    void WriteArrayItem(ReadOnlySpan<char> value);

    /// <summary>A boolean array item.</summary>
    void WriteArrayItem(bool value);

    /// <summary>An integer array item.</summary>
    void WriteArrayItem(long value);

    /// <summary>A double array item.</summary>
    void WriteArrayItem(double value);

    /// <summary>An array item of any kind; <see cref="AttributeValueKind.None"/> becomes the empty string.</summary>
    void WriteArrayItem(in AttributeValue value);

    /// <summary>Ends the array started by <see cref="BeginArray"/>.</summary>
    void EndArray();

    /// <summary>Starts a key-value-list attribute; the <c>Write</c> calls that follow add its entries.</summary>
    void BeginKeyValueList(ReadOnlySpan<byte> key);

    /// <summary>Ends the list started by <see cref="BeginKeyValueList"/>.</summary>
    void EndKeyValueList();
}

/// <summary>
/// Something that writes a set of attributes: generated writers, span attribute lists, resources. Implemented by
/// structs so the call is specialised for each sink.
/// </summary>
public interface IAttributeSource
{
    /// <summary>Writes every attribute to <paramref name="sink"/>.</summary>
    void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink;
}

using System.Diagnostics;

namespace OtlpBroadcast;

/// <summary>
/// Writes attributes as the properties of a plain JSON object straight into a <see cref="JsonBuffer"/>: what
/// <see cref="ContentJsonBuffer"/> renders sensitive objects (chat messages) with. It writes exactly the bytes of
/// <see cref="JsonContentAttributeSink"/> over a <see cref="System.Text.Json.Utf8JsonWriter"/> (the tests compare the
/// two), except that invalid UTF-8 is replaced by U+FFFD where the writer would throw. With
/// <typeparamref name="TText"/> <see cref="EmbeddedJsonText"/> it writes that JSON already escaped as the inside of a
/// JSON string, the form an OTLP/JSON attribute value carries it in.
/// </summary>
internal readonly struct JsonBufferContentSink<TText> : IAttributeSink where TText : struct, IContentJsonText
{
    private readonly JsonBuffer _json;

    public JsonBufferContentSink(JsonBuffer json) => _json = json;

    public void Write(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null)
        {
            Write(key, value.AsSpan());
        }
    }

    public void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value)
    {
        WritePropertyName(key);
        WriteString(value);
    }

    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        WritePropertyName(key);
        TText.Quote(_json);
        TText.Escaped(_json, utf8Value);
        TText.Quote(_json);
    }

    public void Write(ReadOnlySpan<byte> key, bool value)
    {
        WritePropertyName(key);
        _json.Write(value ? "true"u8 : "false"u8);
    }

    public void Write(ReadOnlySpan<byte> key, long value)
    {
        WritePropertyName(key);
        _json.WriteInt64(value);
    }

    public void Write(ReadOnlySpan<byte> key, double value)
    {
        WritePropertyName(key);
        WriteNumber(value);
    }

    /// <summary>Content inside content (a message's parts) is nested JSON, not a JSON string holding JSON: the one
    /// string the span carries is then the whole document, as the GenAI conventions shape it.</summary>
    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json)
    {
        WritePropertyName(key);
        TText.Nested(_json, json);
    }

    // The precomposed openings are OTLP KeyValues; a plain JSON object takes the key alone, copied without the search
    // for characters to escape: a precomposed key needs no escaping (PrecomposedKey's contract, kept by the generator).
    public void Write(PrecomposedKey key, string? value)
    {
        if (value is not null)
        {
            WritePlainPropertyName(key.Key);
            WriteString(value);
        }
    }

    public void Write(PrecomposedKey key, long value)
    {
        WritePlainPropertyName(key.Key);
        _json.WriteInt64(value);
    }

    public void Write(PrecomposedKey key, double value)
    {
        WritePlainPropertyName(key.Key);
        WriteNumber(value);
    }

    public void Write(PrecomposedKey key, bool value)
    {
        WritePlainPropertyName(key.Key);
        _json.Write(value ? "true"u8 : "false"u8);
    }

    public void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        WritePropertyName(key);
        WriteBase64(value);
    }

    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        if (value.Kind != AttributeValueKind.None)
        {
            WritePropertyName(key);
            WriteValue(in value);
        }
    }

    public void BeginArray(ReadOnlySpan<byte> key)
    {
        WritePropertyName(key);
        _json.WriteByte((byte)'[');
    }

    public void WriteArrayItem(string? value) => WriteArrayItem((value ?? string.Empty).AsSpan());

    public void WriteArrayItem(ReadOnlySpan<char> value)
    {
        _json.WriteValueSeparator();
        WriteString(value);
    }

    public void WriteArrayItem(bool value)
    {
        _json.WriteValueSeparator();
        _json.Write(value ? "true"u8 : "false"u8);
    }

    public void WriteArrayItem(long value)
    {
        _json.WriteValueSeparator();
        _json.WriteInt64(value);
    }

    public void WriteArrayItem(double value)
    {
        _json.WriteValueSeparator();
        WriteNumber(value);
    }

    public void WriteArrayItem(in AttributeValue value)
    {
        _json.WriteValueSeparator();
        if (value.Kind == AttributeValueKind.None)
        {
            TText.Text(_json, "\"\""u8);
        }
        else
        {
            WriteValue(in value);
        }
    }

    public void EndArray() => _json.WriteByte((byte)']');

    public void BeginKeyValueList(ReadOnlySpan<byte> key)
    {
        WritePropertyName(key);
        _json.WriteByte((byte)'{');
    }

    public void EndKeyValueList() => _json.WriteByte((byte)'}');

    /// <summary>A property name that needs no escaping, plain or embedded alike (it holds no quote, backslash or
    /// control character, the only bytes that embedding escapes).</summary>
    private void WritePlainPropertyName(ReadOnlySpan<byte> key)
    {
        Debug.Assert(key.IndexOfAny("\"\\"u8) < 0 && !key.ContainsAnyInRange((byte)0, (byte)0x1F), "A precomposed key needs no escaping.");
        _json.WriteValueSeparator();
        TText.Quote(_json);
        _json.Write(key);
        TText.Text(_json, "\":"u8);
    }

    private void WritePropertyName(ReadOnlySpan<byte> key)
    {
        _json.WriteValueSeparator();
        TText.Quote(_json);
        TText.Escaped(_json, key);
        TText.Text(_json, "\":"u8);
    }

    private void WriteString(ReadOnlySpan<char> value)
    {
        TText.Quote(_json);
        TText.Escaped(_json, value);
        TText.Quote(_json);
    }

    private void WriteNumber(double value)
    {
        if (double.IsFinite(value))
        {
            _json.WriteDouble(value);
        }
        else
        {
            TText.Text(_json, double.IsNaN(value) ? "\"NaN\""u8 : value > 0 ? "\"Infinity\""u8 : "\"-Infinity\""u8);
        }
    }

    private void WriteBase64(ReadOnlySpan<byte> bytes)
    {
        TText.Quote(_json);
        _json.WriteBase64(bytes);
        TText.Quote(_json);
    }

    private void WriteValue(in AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeValueKind.String:
                WriteString(value.StringValue);
                break;
            case AttributeValueKind.Bool:
                _json.Write(value.BoolValue ? "true"u8 : "false"u8);
                break;
            case AttributeValueKind.Int:
                _json.WriteInt64(value.IntValue);
                break;
            case AttributeValueKind.Double:
                WriteNumber(value.DoubleValue);
                break;
            case AttributeValueKind.Bytes:
                WriteBase64(value.BytesValue.Span);
                break;
            case AttributeValueKind.Array:
                _json.WriteByte((byte)'[');
                foreach (ref readonly AttributeValue item in value.ArrayValue)
                {
                    WriteArrayItem(in item);
                }

                _json.WriteByte((byte)']');
                break;
            case AttributeValueKind.KeyValueList:
                _json.WriteByte((byte)'{');
                foreach (ref readonly SpanAttribute entry in value.KeyValueListValue)
                {
                    _json.WriteValueSeparator();
                    WriteString(entry.Key);
                    _json.WriteByte((byte)':');

                    // As the writer-based sink: an entry without a value is an empty string.
                    if (entry.Value.Kind == AttributeValueKind.None)
                    {
                        TText.Text(_json, "\"\""u8);
                    }
                    else
                    {
                        WriteValue(entry.Value);
                    }
                }

                _json.WriteByte((byte)'}');
                break;
        }
    }
}

/// <summary>How <see cref="JsonBufferContentSink{TText}"/> writes the parts of its JSON that differ between plain JSON
/// and JSON embedded in a JSON string: quotes, text with quotes, and escaped strings. Punctuation without quotes,
/// numbers and base64 read the same in both.</summary>
internal interface IContentJsonText
{
    /// <summary>A quote that opens or closes a string.</summary>
    static abstract void Quote(JsonBuffer json);

    /// <summary>Constant JSON text (<c>":</c>, <c>""</c>, <c>"NaN"</c>).</summary>
    static abstract void Text(JsonBuffer json, ReadOnlySpan<byte> text);

    /// <summary>The inside of a string.</summary>
    static abstract void Escaped(JsonBuffer json, ReadOnlySpan<char> chars);

    /// <summary>The inside of a string, from UTF-8.</summary>
    static abstract void Escaped(JsonBuffer json, ReadOnlySpan<byte> utf8);

    /// <summary>Content rendered for this sink (<see cref="ContentJsonBuffer.Rent{TSink}"/>), as a nested value.</summary>
    static abstract void Nested(JsonBuffer json, ContentJsonBuffer content);

    /// <summary>Constant JSON text given in both forms, <paramref name="plain"/> and the same escaped as the inside of
    /// a string (<paramref name="embedded"/>), so that neither is escaped as it is written.</summary>
    static abstract void Constant(JsonBuffer json, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> embedded);
}

/// <summary>Plain JSON.</summary>
internal readonly struct PlainJsonText : IContentJsonText
{
    public static void Quote(JsonBuffer json) => json.WriteByte((byte)'"');

    public static void Text(JsonBuffer json, ReadOnlySpan<byte> text) => json.Write(text);

    public static void Escaped(JsonBuffer json, ReadOnlySpan<char> chars) => json.WriteEscaped(chars);

    public static void Escaped(JsonBuffer json, ReadOnlySpan<byte> utf8) => json.WriteEscaped(utf8);

    public static void Nested(JsonBuffer json, ContentJsonBuffer content) => json.Write(content.GetWrittenUtf8());

    public static void Constant(JsonBuffer json, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> embedded) => json.Write(plain);
}

/// <summary>JSON as the inside of a JSON string: the bytes of <see cref="PlainJsonText"/> passed through
/// <see cref="JsonBuffer.WriteEscapedJson"/>, written in one pass.</summary>
internal readonly struct EmbeddedJsonText : IContentJsonText
{
    public static void Quote(JsonBuffer json) => json.Write("\\\""u8);

    public static void Text(JsonBuffer json, ReadOnlySpan<byte> text) => json.WriteEscapedJson(text);

    public static void Escaped(JsonBuffer json, ReadOnlySpan<char> chars) => json.WriteEscapedTwice(chars);

    public static void Escaped(JsonBuffer json, ReadOnlySpan<byte> utf8) => json.WriteEscapedTwice(utf8);

    /// <summary>Content rented for this sink is already rendered embedded: copied as it is, not escaped a second
    /// time (which took a pass over every nested message's text).</summary>
    public static void Nested(JsonBuffer json, ContentJsonBuffer content)
    {
        if (content.TryGetEmbedded(out ReadOnlySpan<byte> embedded))
        {
            json.Write(embedded);
        }
        else
        {
            json.WriteEscapedJson(content.GetWrittenUtf8());
        }
    }

    public static void Constant(JsonBuffer json, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> embedded) => json.Write(embedded);
}

namespace OtlpBroadcast;

/// <summary>
/// Writes attributes as the properties of a plain JSON object straight into a <see cref="JsonBuffer"/>: what
/// <see cref="ContentJsonBuffer"/> renders sensitive objects (chat messages) with. It writes exactly the bytes of
/// <see cref="JsonContentAttributeSink"/> over a <see cref="System.Text.Json.Utf8JsonWriter"/> (the tests compare the
/// two), except that invalid UTF-8 is replaced by U+FFFD where the writer would throw.
/// </summary>
internal readonly struct JsonBufferContentSink : IAttributeSink
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
        _json.WriteString(value);
    }

    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        WritePropertyName(key);
        _json.WriteByte((byte)'"');
        _json.WriteEscaped(utf8Value);
        _json.WriteByte((byte)'"');
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

    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json) => WriteUtf8(key, json.GetWrittenUtf8());

    // The precomposed openings are OTLP KeyValues; a plain JSON object takes the key alone.
    public void Write(PrecomposedKey key, string? value) => Write(key.Key, value);

    public void Write(PrecomposedKey key, long value) => Write(key.Key, value);

    public void Write(PrecomposedKey key, double value) => Write(key.Key, value);

    public void Write(PrecomposedKey key, bool value) => Write(key.Key, value);

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
        _json.WriteString(value);
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
            _json.Write("\"\""u8);
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

    private void WritePropertyName(ReadOnlySpan<byte> key)
    {
        _json.WriteValueSeparator();
        _json.WriteByte((byte)'"');
        _json.WriteEscaped(key);
        _json.Write("\":"u8);
    }

    private void WriteNumber(double value)
    {
        if (double.IsFinite(value))
        {
            _json.WriteDouble(value);
        }
        else
        {
            _json.Write(double.IsNaN(value) ? "\"NaN\""u8 : value > 0 ? "\"Infinity\""u8 : "\"-Infinity\""u8);
        }
    }

    private void WriteBase64(ReadOnlySpan<byte> bytes)
    {
        _json.WriteByte((byte)'"');
        _json.WriteBase64(bytes);
        _json.WriteByte((byte)'"');
    }

    private void WriteValue(in AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeValueKind.String:
                _json.WriteString(value.StringValue);
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
                    _json.WriteString(entry.Key);
                    _json.WriteByte((byte)':');

                    // As the writer-based sink: an entry without a value is an empty string.
                    if (entry.Value.Kind == AttributeValueKind.None)
                    {
                        _json.Write("\"\""u8);
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

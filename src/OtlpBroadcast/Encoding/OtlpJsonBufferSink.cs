namespace OtlpBroadcast;

/// <summary>
/// Writes attributes as OTLP/JSON <c>KeyValue</c> objects straight into a <see cref="JsonBuffer"/>, inside an open
/// JSON array: the encoder's fast path. It writes exactly the bytes of the general path,
/// <see cref="OtlpJsonAttributeSink"/> over a <see cref="System.Text.Json.Utf8JsonWriter"/> (the tests compare the
/// two), but composes each object from constant UTF-8 pieces instead of writer calls, and copies the opening of a
/// <see cref="PrecomposedKey"/> in one go.
/// </summary>
internal readonly struct OtlpJsonBufferSink : ICopyableAttributeSink
{
    private readonly JsonBuffer _json;

    public OtlpJsonBufferSink(JsonBuffer json) => _json = json;

    /// <summary>The buffer written to.</summary>
    public JsonBuffer Buffer => _json;

    /// <summary>Always: a JSON <c>KeyValue</c> is the same text wherever it goes, only the comma before it
    /// depends on its position (<see cref="WrittenSince"/> leaves it out, <see cref="AppendCopy"/> writes it).</summary>
    public bool CanCopy => true;

    public int Position => _json.Length;

    /// <summary>The attributes written since <paramref name="position"/>, without the comma that separated them from
    /// the attribute before.</summary>
    public ReadOnlySpan<byte> WrittenSince(int position)
    {
        ReadOnlySpan<byte> written = _json.WrittenSpan[position..];
        return written.Length > 0 && written[0] == (byte)',' ? written[1..] : written;
    }

    public void AppendCopy(ReadOnlySpan<byte> block, int attributes)
    {
        if (block.Length > 0)
        {
            _json.WriteElementSeparator();
            _json.Write(block);
        }
    }

    public void Write(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null)
        {
            Write(key, value.AsSpan());
        }
    }

    public void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value)
    {
        StartKeyValue(key, OtlpJsonText.StringValue);
        _json.WriteEscaped(value);
        _json.Write(OtlpJsonText.QuotedEnd);
    }

    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        StartKeyValue(key, OtlpJsonText.StringValue);
        _json.WriteEscaped(utf8Value);
        _json.Write(OtlpJsonText.QuotedEnd);
    }

    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json)
    {
        StartKeyValue(key, OtlpJsonText.StringValue);
        if (json.TryGetEmbedded(out ReadOnlySpan<byte> embedded))
        {
            // Rendered for this sink, already escaped.
            _json.Write(embedded);
        }
        else
        {
            _json.WriteEscapedJson(json.GetWrittenUtf8());
        }

        _json.Write(OtlpJsonText.QuotedEnd);
    }

    public void Write(ReadOnlySpan<byte> key, bool value)
    {
        StartKeyValue(key, OtlpJsonText.BoolValue);
        _json.Write(value ? OtlpJsonText.TrueEnd : OtlpJsonText.FalseEnd);
    }

    public void Write(ReadOnlySpan<byte> key, long value)
    {
        StartKeyValue(key, OtlpJsonText.IntValue);
        _json.WriteInt64(value);
        _json.Write(OtlpJsonText.QuotedEnd);
    }

    public void Write(ReadOnlySpan<byte> key, double value)
    {
        if (double.IsFinite(value))
        {
            StartKeyValue(key, OtlpJsonText.DoubleValue);
            _json.WriteDouble(value);
            _json.Write(OtlpJsonText.End);
        }
        else
        {
            StartKeyValue(key, OtlpJsonText.StringValue);
            _json.Write(NonFinite(value));
            _json.Write(OtlpJsonText.QuotedEnd);
        }
    }

    public void Write(PrecomposedKey key, string? value)
    {
        if (value is not null)
        {
            _json.WriteElementSeparator();
            _json.Write(key.Json);
            _json.WriteEscaped(value);
            _json.Write(OtlpJsonText.QuotedEnd);
        }
    }

    public void Write(PrecomposedKey key, long value)
    {
        _json.WriteElementSeparator();
        _json.Write(key.Json);
        _json.WriteInt64(value);
        _json.Write(OtlpJsonText.QuotedEnd);
    }

    public void Write(PrecomposedKey key, double value)
    {
        if (!double.IsFinite(value))
        {
            // Written as a string: the precomposed doubleValue opening does not apply.
            Write(key.Key, value);
            return;
        }

        _json.WriteElementSeparator();
        _json.Write(key.Json);
        _json.WriteDouble(value);
        _json.Write(OtlpJsonText.End);
    }

    public void Write(PrecomposedKey key, bool value)
    {
        _json.WriteElementSeparator();
        _json.Write(key.Json);
        _json.Write(value ? OtlpJsonText.TrueEnd : OtlpJsonText.FalseEnd);
    }

    public void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        StartKeyValue(key, OtlpJsonText.BytesValue);
        _json.WriteBase64(value);
        _json.Write(OtlpJsonText.QuotedEnd);
    }

    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        OtlpJsonBufferSink self = this;
        if (AttributeKeys.TryWriteScalar(ref self, key, in value))
        {
            return;
        }

        StartKeyValue(key, OtlpJsonText.ValueStart);
        WriteAnyValueBody(in value);
        _json.Write(OtlpJsonText.End);
    }

    public void BeginArray(ReadOnlySpan<byte> key) => StartKeyValue(key, OtlpJsonText.ArrayStart);

    public void WriteArrayItem(string? value) => WriteArrayItem((value ?? string.Empty).AsSpan());

    public void WriteArrayItem(ReadOnlySpan<char> value)
    {
        _json.WriteElementSeparator();
        _json.Write(OtlpJsonText.ItemStringValue);
        _json.WriteEscaped(value);
        _json.Write(OtlpJsonText.QuotedItemEnd);
    }

    public void WriteArrayItem(bool value)
    {
        _json.WriteElementSeparator();
        _json.Write(value ? OtlpJsonText.ItemTrue : OtlpJsonText.ItemFalse);
    }

    public void WriteArrayItem(long value)
    {
        _json.WriteElementSeparator();
        _json.Write(OtlpJsonText.ItemIntValue);
        _json.WriteInt64(value);
        _json.Write(OtlpJsonText.QuotedItemEnd);
    }

    public void WriteArrayItem(double value)
    {
        _json.WriteElementSeparator();
        _json.WriteByte((byte)'{');
        WriteDoubleBody(value);
        _json.WriteByte((byte)'}');
    }

    public void WriteArrayItem(in AttributeValue value)
    {
        _json.WriteElementSeparator();
        _json.WriteByte((byte)'{');
        if (value.Kind == AttributeValueKind.None)
        {
            _json.Write(OtlpJsonText.EmptyStringValue);
        }
        else
        {
            WriteAnyValueBody(in value);
        }

        _json.WriteByte((byte)'}');
    }

    public void EndArray() => _json.Write(OtlpJsonText.ListEnd);

    public void BeginKeyValueList(ReadOnlySpan<byte> key) => StartKeyValue(key, OtlpJsonText.KeyValueListStart);

    public void EndKeyValueList() => _json.Write(OtlpJsonText.ListEnd);

    /// <summary><c>{"key":"</c> escaped key, then <paramref name="valueStart"/> (which opens the value).</summary>
    private void StartKeyValue(ReadOnlySpan<byte> key, ReadOnlySpan<byte> valueStart)
    {
        _json.WriteElementSeparator();
        _json.Write(OtlpJsonText.KeyStart);
        _json.WriteEscaped(key);
        _json.Write(valueStart);
    }

    /// <summary>The one property of an <c>AnyValue</c> object, without its braces.</summary>
    private void WriteAnyValueBody(in AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeValueKind.String:
                _json.Write(OtlpJsonText.StringValueName);
                _json.WriteString(value.StringValue);
                break;
            case AttributeValueKind.Bool:
                _json.Write(value.BoolValue ? OtlpJsonText.TrueBody : OtlpJsonText.FalseBody);
                break;
            case AttributeValueKind.Int:
                _json.Write(OtlpJsonText.IntValueName);
                _json.WriteInt64(value.IntValue);
                _json.WriteByte((byte)'"');
                break;
            case AttributeValueKind.Double:
                WriteDoubleBody(value.DoubleValue);
                break;
            case AttributeValueKind.Bytes:
                _json.Write(OtlpJsonText.BytesValueName);
                _json.WriteBase64(value.BytesValue.Span);
                _json.WriteByte((byte)'"');
                break;
            case AttributeValueKind.Array:
                _json.Write(OtlpJsonText.ArrayBody);
                foreach (ref readonly AttributeValue item in value.ArrayValue)
                {
                    WriteArrayItem(in item);
                }

                _json.Write(OtlpJsonText.ListBodyEnd);
                break;
            case AttributeValueKind.KeyValueList:
                _json.Write(OtlpJsonText.KeyValueListBody);
                foreach (ref readonly SpanAttribute entry in value.KeyValueListValue)
                {
                    OtlpJsonBufferSink entries = this;
                    AttributeKeys.Write(ref entries, entry.Key, entry.Value);
                }

                _json.Write(OtlpJsonText.ListBodyEnd);
                break;
        }
    }

    private void WriteDoubleBody(double value)
    {
        if (double.IsFinite(value))
        {
            _json.Write(OtlpJsonText.DoubleValueName);
            _json.WriteDouble(value);
        }
        else
        {
            _json.Write(OtlpJsonText.StringValueName);
            _json.WriteByte((byte)'"');
            _json.Write(NonFinite(value));
            _json.WriteByte((byte)'"');
        }
    }

    private static ReadOnlySpan<byte> NonFinite(double value)
        => double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8;
}

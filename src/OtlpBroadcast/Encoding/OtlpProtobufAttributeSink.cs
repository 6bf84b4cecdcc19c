using F = OtlpBroadcast.OtlpProtobufFields;

namespace OtlpBroadcast;

/// <summary>
/// Writes attributes as OTLP protobuf <c>KeyValue</c> messages (a repeated field of the enclosing message: 9 in a
/// <c>Span</c>, 3 in an <c>Event</c>, 4 in a <c>Link</c>, 1 in a <c>Resource</c>). The same generated writers that
/// feed <see cref="OtlpJsonAttributeSink"/> feed this one; the values follow the same rules as the JSON encoding
/// (non-finite doubles as the strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>; null array items as empty
/// strings; invalid text replaced by U+FFFD), so both encodings carry the same spans.
/// </summary>
public struct OtlpProtobufAttributeSink : IAttributeSink
{
    private readonly ProtobufBuffer _buffer;
    private readonly int _field;
    private int _listDepth;

    internal OtlpProtobufAttributeSink(ProtobufBuffer buffer, int attributesField)
    {
        _buffer = buffer;
        _field = attributesField;
    }

    /// <summary>How many <c>KeyValue</c> messages this sink started: attributes, and the entries added between
    /// <see cref="BeginKeyValueList"/> and <see cref="EndKeyValueList"/> (not those inside an <see cref="AttributeValue"/>).</summary>
    public int Count { get; private set; }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null)
        {
            Write(key, value.AsSpan());
        }
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value)
    {
        StartKeyValue(key);
        _buffer.WriteStringField(F.AnyString, value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        StartKeyValue(key);
        _buffer.WriteUtf8Field(F.AnyString, utf8Value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, bool value)
    {
        StartKeyValue(key);
        _buffer.WriteVarintField(F.AnyBool, value ? 1UL : 0UL);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, long value)
    {
        StartKeyValue(key);
        _buffer.WriteVarintField(F.AnyInt, (ulong)value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, double value)
    {
        StartKeyValue(key);
        WriteDouble(_buffer, value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json) => WriteUtf8(key, json.GetWrittenUtf8());

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, string? value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, long value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, double value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, bool value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        StartKeyValue(key);
        _buffer.WriteBytesField(F.AnyBytes, value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        if (value.Kind == AttributeValueKind.None)
        {
            return;
        }

        StartKeyValue(key);
        WriteAnyValueBody(_buffer, in value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void BeginArray(ReadOnlySpan<byte> key)
    {
        StartKeyValue(key);
        _buffer.BeginMessage(F.AnyArray);
    }

    /// <inheritdoc/>
    public readonly void WriteArrayItem(string? value) => WriteArrayItem((value ?? string.Empty).AsSpan());

    /// <inheritdoc/>
    public readonly void WriteArrayItem(ReadOnlySpan<char> value)
    {
        _buffer.BeginMessage(F.ArrayValues);
        _buffer.WriteStringField(F.AnyString, value);
        _buffer.EndMessage();
    }

    /// <inheritdoc/>
    public readonly void WriteArrayItem(bool value)
    {
        _buffer.BeginMessage(F.ArrayValues);
        _buffer.WriteVarintField(F.AnyBool, value ? 1UL : 0UL);
        _buffer.EndMessage();
    }

    /// <inheritdoc/>
    public readonly void WriteArrayItem(long value)
    {
        _buffer.BeginMessage(F.ArrayValues);
        _buffer.WriteVarintField(F.AnyInt, (ulong)value);
        _buffer.EndMessage();
    }

    /// <inheritdoc/>
    public readonly void WriteArrayItem(double value)
    {
        _buffer.BeginMessage(F.ArrayValues);
        WriteDouble(_buffer, value);
        _buffer.EndMessage();
    }

    /// <inheritdoc/>
    public readonly void WriteArrayItem(in AttributeValue value) => WriteArrayItem(_buffer, in value);

    /// <inheritdoc/>
    public readonly void EndArray()
    {
        _buffer.EndMessage();
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void BeginKeyValueList(ReadOnlySpan<byte> key)
    {
        StartKeyValue(key);
        _buffer.BeginMessage(F.AnyKeyValueList);
        _listDepth++;
    }

    /// <inheritdoc/>
    public void EndKeyValueList()
    {
        if (_listDepth == 0)
        {
            throw new InvalidOperationException("EndKeyValueList without BeginKeyValueList.");
        }

        _listDepth--;
        _buffer.EndMessage();
        EndKeyValue();
    }

    /// <summary>Opens <c>KeyValue</c> { key, value: AnyValue { … } }: the caller writes one AnyValue field.</summary>
    private void StartKeyValue(ReadOnlySpan<byte> key)
    {
        Count++;
        _buffer.BeginMessage(_listDepth > 0 ? F.KeyValueListValues : _field);
        _buffer.WriteUtf8Field(F.KeyValueKey, key);
        _buffer.BeginMessage(F.KeyValueValue);
    }

    private readonly void EndKeyValue()
    {
        _buffer.EndMessage();
        _buffer.EndMessage();
    }

    private static void WriteDouble(ProtobufBuffer buffer, double value)
    {
        if (double.IsFinite(value))
        {
            buffer.WriteFixed64Field(F.AnyDouble, (ulong)BitConverter.DoubleToInt64Bits(value));
        }
        else
        {
            buffer.WriteBytesField(F.AnyString, double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8);
        }
    }

    private static void WriteArrayItem(ProtobufBuffer buffer, in AttributeValue value)
    {
        buffer.BeginMessage(F.ArrayValues);
        if (value.Kind == AttributeValueKind.None)
        {
            buffer.WriteBytesField(F.AnyString, []);
        }
        else
        {
            WriteAnyValueBody(buffer, in value);
        }

        buffer.EndMessage();
    }

    /// <summary>Writes the one field of an <c>AnyValue</c> that holds <paramref name="value"/>.</summary>
    private static void WriteAnyValueBody(ProtobufBuffer buffer, in AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeValueKind.String:
                buffer.WriteStringField(F.AnyString, value.StringValue);
                break;
            case AttributeValueKind.Bool:
                buffer.WriteVarintField(F.AnyBool, value.BoolValue ? 1UL : 0UL);
                break;
            case AttributeValueKind.Int:
                buffer.WriteVarintField(F.AnyInt, (ulong)value.IntValue);
                break;
            case AttributeValueKind.Double:
                WriteDouble(buffer, value.DoubleValue);
                break;
            case AttributeValueKind.Bytes:
                buffer.WriteBytesField(F.AnyBytes, value.BytesValue.Span);
                break;
            case AttributeValueKind.Array:
                buffer.BeginMessage(F.AnyArray);
                foreach (ref readonly AttributeValue item in value.ArrayValue)
                {
                    WriteArrayItem(buffer, in item);
                }

                buffer.EndMessage();
                break;
            case AttributeValueKind.KeyValueList:
                buffer.BeginMessage(F.AnyKeyValueList);
                var entries = new OtlpProtobufAttributeSink(buffer, F.KeyValueListValues);
                foreach (ref readonly SpanAttribute entry in value.KeyValueListValue)
                {
                    AttributeKeys.Write(ref entries, entry.Key, entry.Value);
                }

                buffer.EndMessage();
                break;
        }
    }
}

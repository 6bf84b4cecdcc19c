using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>
/// Writes attributes as the properties of a plain JSON object (<c>"key": value</c>), not as OTLP <c>KeyValue</c>s.
/// Generated writers use it to serialise sensitive object members (chat messages, tool definitions) into the one
/// JSON string that the GenAI conventions carry, without reflection.
/// </summary>
/// <remarks>Key-value lists become nested objects, arrays JSON arrays, non-finite doubles the strings <c>NaN</c>,
/// <c>Infinity</c> and <c>-Infinity</c>, bytes base64 strings.</remarks>
public readonly struct JsonContentAttributeSink : IAttributeSink
{
    private readonly Utf8JsonWriter _writer;

    /// <summary>Wraps a writer that is positioned inside a JSON object.</summary>
    public JsonContentAttributeSink(Utf8JsonWriter writer) => _writer = writer ?? throw new ArgumentNullException(nameof(writer));

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null)
        {
            _writer.WriteString(key, value);
        }
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value) => _writer.WriteString(key, value);

    /// <inheritdoc/>
    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value) => _writer.WriteString(key, utf8Value);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, bool value) => _writer.WriteBoolean(key, value);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, long value) => _writer.WriteNumber(key, value);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, double value)
    {
        if (double.IsFinite(value))
        {
            _writer.WriteNumber(key, value);
        }
        else
        {
            _writer.WriteString(key, NonFinite(value));
        }
    }

    /// <inheritdoc/>
    /// <remarks>Nested as JSON (see <see cref="JsonBufferContentSink{TText}"/>); the content is valid JSON by
    /// construction.</remarks>
    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json)
    {
        ArgumentNullException.ThrowIfNull(json);
        _writer.WritePropertyName(key);
        _writer.WriteRawValue(json.GetWrittenUtf8(), skipInputValidation: true);
    }

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, string? value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, long value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, double value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void Write(PrecomposedKey key, bool value) => Write(key.Key, value);

    /// <inheritdoc/>
    public void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _writer.WriteBase64String(key, value);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        if (value.Kind == AttributeValueKind.None)
        {
            return;
        }

        _writer.WritePropertyName(key);
        WriteValue(in value);
    }

    /// <inheritdoc/>
    public void BeginArray(ReadOnlySpan<byte> key) => _writer.WriteStartArray(key);

    /// <inheritdoc/>
    public void WriteArrayItem(string? value) => _writer.WriteStringValue(value ?? string.Empty);

    /// <inheritdoc/>
    public void WriteArrayItem(ReadOnlySpan<char> value) => _writer.WriteStringValue(value);

    /// <inheritdoc/>
    public void WriteArrayItem(bool value) => _writer.WriteBooleanValue(value);

    /// <inheritdoc/>
    public void WriteArrayItem(long value) => _writer.WriteNumberValue(value);

    /// <inheritdoc/>
    public void WriteArrayItem(double value)
    {
        if (double.IsFinite(value))
        {
            _writer.WriteNumberValue(value);
        }
        else
        {
            _writer.WriteStringValue(NonFinite(value));
        }
    }

    /// <inheritdoc/>
    public void WriteArrayItem(in AttributeValue value)
    {
        if (value.Kind == AttributeValueKind.None)
        {
            _writer.WriteStringValue(ReadOnlySpan<byte>.Empty);
        }
        else
        {
            WriteValue(in value);
        }
    }

    /// <inheritdoc/>
    public void EndArray() => _writer.WriteEndArray();

    /// <inheritdoc/>
    public void BeginKeyValueList(ReadOnlySpan<byte> key) => _writer.WriteStartObject(key);

    /// <inheritdoc/>
    public void EndKeyValueList() => _writer.WriteEndObject();

    private static ReadOnlySpan<byte> NonFinite(double value)
        => double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8;

    private void WriteValue(in AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeValueKind.String:
                _writer.WriteStringValue(value.StringValue);
                break;
            case AttributeValueKind.Bool:
                _writer.WriteBooleanValue(value.BoolValue);
                break;
            case AttributeValueKind.Int:
                _writer.WriteNumberValue(value.IntValue);
                break;
            case AttributeValueKind.Double:
                WriteArrayItem(value.DoubleValue);
                break;
            case AttributeValueKind.Bytes:
                _writer.WriteBase64StringValue(value.BytesValue.Span);
                break;
            case AttributeValueKind.Array:
                _writer.WriteStartArray();
                foreach (ref readonly AttributeValue item in value.ArrayValue)
                {
                    WriteArrayItem(in item);
                }

                _writer.WriteEndArray();
                break;
            case AttributeValueKind.KeyValueList:
                _writer.WriteStartObject();
                foreach (ref readonly SpanAttribute entry in value.KeyValueListValue)
                {
                    _writer.WritePropertyName(entry.Key);
                    WriteArrayItem(entry.Value);
                }

                _writer.WriteEndObject();
                break;
        }
    }
}

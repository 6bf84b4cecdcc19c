using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using N = OtlpBroadcast.OtlpJsonNames;

namespace OtlpBroadcast;

/// <summary>
/// Writes attributes as OTLP/JSON <c>KeyValue</c> objects into an open JSON array of a <see cref="Utf8JsonWriter"/>.
/// Follows the OTLP/JSON rules: 64-bit integers as decimal strings, bytes as base64, doubles as numbers and never
/// NaN or infinities, valid UTF-8 whatever the input.
/// </summary>
/// <remarks>
/// Most attributes are a short key and a scalar that needs no escaping. For those the whole
/// <c>{"key":"…","value":{"…Value":…}}</c> object is composed on the stack from constant UTF-8 pieces and handed to
/// the writer as one raw value: one writer call instead of six, which the benchmarks show is most of the encoding
/// cost. Anything else (escaping needed, invalid text, long values, arrays, lists) takes the general path; both
/// paths write the same bytes.
/// </remarks>
public struct OtlpJsonAttributeSink : IAttributeSink
{
    /// <summary>The largest attribute composed on the stack; longer ones (content) take the general path.</summary>
    private const int RawLimit = 512;

    private readonly Utf8JsonWriter _writer;

    /// <summary>Wraps a writer that is positioned inside a JSON array of <c>KeyValue</c> objects.</summary>
    public OtlpJsonAttributeSink(Utf8JsonWriter writer) => _writer = writer ?? throw new ArgumentNullException(nameof(writer));

    /// <summary>How many <c>KeyValue</c> objects this sink started: attributes, and the entries added between
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
        if (TryWriteRawString(key, value))
        {
            return;
        }

        StartKeyValue(key);
        WriteStringValue(value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        if (TryWriteRawUtf8String(key, utf8Value))
        {
            return;
        }

        StartKeyValue(key);
        WriteUtf8StringValue(utf8Value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, bool value)
    {
        if (TryWriteRaw(key, OtlpJsonText.BoolValue, value ? OtlpJsonText.TrueEnd : OtlpJsonText.FalseEnd))
        {
            return;
        }

        StartKeyValue(key);
        _writer.WriteBoolean(N.BoolValue, value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        if (TryWriteRaw(key, OtlpJsonText.IntValue, digits[..length], OtlpJsonText.QuotedEnd))
        {
            return;
        }

        StartKeyValue(key);
        WriteIntValue(value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, double value)
    {
        // Formatted as Utf8JsonWriter formats doubles: the shortest text that round-trips.
        Span<byte> digits = stackalloc byte[32];
        if (double.IsFinite(value)
            && value.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture)
            && TryWriteRaw(key, OtlpJsonText.DoubleValue, digits[..length], OtlpJsonText.End))
        {
            return;
        }

        StartKeyValue(key);
        WriteDoubleValue(value);
        EndKeyValue();
    }

    // Precomposed keys are written as plain keys: this sink is the general path that the encoder's own writer
    // (OtlpJsonBufferSink, which copies the precomposed opening) is checked against.

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
        _writer.WriteBase64String(N.BytesValue, value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        if (AttributeKeys.TryWriteScalar(ref this, key, in value))
        {
            return;
        }

        StartKeyValue(key);
        WriteAnyValueBody(in value);
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void BeginArray(ReadOnlySpan<byte> key)
    {
        StartKeyValue(key);
        _writer.WriteStartObject(N.ArrayValue);
        _writer.WriteStartArray(N.Values);
    }

    /// <inheritdoc/>
    public void WriteArrayItem(string? value) => WriteArrayItem((value ?? string.Empty).AsSpan());

    /// <inheritdoc/>
    public void WriteArrayItem(ReadOnlySpan<char> value)
    {
        _writer.WriteStartObject();
        WriteStringValue(value);
        _writer.WriteEndObject();
    }

    /// <inheritdoc/>
    public void WriteArrayItem(bool value)
    {
        _writer.WriteStartObject();
        _writer.WriteBoolean(N.BoolValue, value);
        _writer.WriteEndObject();
    }

    /// <inheritdoc/>
    public void WriteArrayItem(long value)
    {
        _writer.WriteStartObject();
        WriteIntValue(value);
        _writer.WriteEndObject();
    }

    /// <inheritdoc/>
    public void WriteArrayItem(double value)
    {
        _writer.WriteStartObject();
        WriteDoubleValue(value);
        _writer.WriteEndObject();
    }

    /// <inheritdoc/>
    public void WriteArrayItem(in AttributeValue value)
    {
        _writer.WriteStartObject();
        if (value.Kind == AttributeValueKind.None)
        {
            _writer.WriteString(N.StringValue, ReadOnlySpan<byte>.Empty);
        }
        else
        {
            WriteAnyValueBody(in value);
        }

        _writer.WriteEndObject();
    }

    /// <inheritdoc/>
    public void EndArray()
    {
        _writer.WriteEndArray();
        _writer.WriteEndObject();
        EndKeyValue();
    }

    /// <inheritdoc/>
    public void BeginKeyValueList(ReadOnlySpan<byte> key)
    {
        StartKeyValue(key);
        _writer.WriteStartObject(N.KvlistValue);
        _writer.WriteStartArray(N.Values);
    }

    /// <inheritdoc/>
    public void EndKeyValueList()
    {
        _writer.WriteEndArray();
        _writer.WriteEndObject();
        EndKeyValue();
    }

    private bool TryWriteRawString(ReadOnlySpan<byte> key, ReadOnlySpan<char> value)
    {
        // At most three UTF-8 bytes per UTF-16 char; lone surrogates fail the strict transcoding (general path).
        if (value.Length * 3 > RawLimit)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[value.Length * 3];
        return Utf8.FromUtf16(value, utf8, out _, out int written, replaceInvalidSequences: false) == OperationStatus.Done
            && TryWriteRawUtf8String(key, utf8[..written]);
    }

    private bool TryWriteRawUtf8String(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
        => IsPlain(utf8Value) && TryWriteRaw(key, OtlpJsonText.StringValue, utf8Value, OtlpJsonText.QuotedEnd);

    /// <summary>Writes <c>{"key":"</c> key <paramref name="valueStart"/> value <paramref name="valueEnd"/> as one raw
    /// JSON value, if the key needs no escaping and the whole fits the stack buffer. The value must be plain JSON text.</summary>
    private bool TryWriteRaw(ReadOnlySpan<byte> key, ReadOnlySpan<byte> valueStart, ReadOnlySpan<byte> value, ReadOnlySpan<byte> valueEnd = default)
    {
        int length = OtlpJsonText.KeyStart.Length + key.Length + valueStart.Length + value.Length + valueEnd.Length;
        if (length > RawLimit || !IsPlain(key))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[length];
        int at = Append(buffer, 0, OtlpJsonText.KeyStart);
        at = Append(buffer, at, key);
        at = Append(buffer, at, valueStart);
        at = Append(buffer, at, value);
        at = Append(buffer, at, valueEnd);
        Count++;
        _writer.WriteRawValue(buffer[..at], skipInputValidation: true);
        return true;
    }

    private static int Append(Span<byte> buffer, int at, ReadOnlySpan<byte> piece)
    {
        piece.CopyTo(buffer[at..]);
        return at + piece.Length;
    }

    /// <summary>Valid UTF-8 that the writer's encoder would copy unchanged (no quote, backslash or control character).</summary>
    private static bool IsPlain(ReadOnlySpan<byte> utf8)
        => OtlpJsonNames.WriterOptions.Encoder!.FindFirstCharacterToEncodeUtf8(utf8) < 0 && Utf8.IsValid(utf8);

    private void StartKeyValue(ReadOnlySpan<byte> key)
    {
        Count++;
        _writer.WriteStartObject();
        WriteUtf8Checked(N.Key, key);
        _writer.WriteStartObject(N.Value);
    }

    private void EndKeyValue()
    {
        _writer.WriteEndObject();
        _writer.WriteEndObject();
    }

    private void WriteStringValue(ReadOnlySpan<char> value)
        => _writer.WriteString(N.StringValue, value);

    private void WriteUtf8StringValue(ReadOnlySpan<byte> utf8Value)
        => WriteUtf8Checked(N.StringValue, utf8Value);

    private void WriteIntValue(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        _writer.WriteString(N.IntValue, digits[..length]);
    }

    private void WriteDoubleValue(double value)
    {
        if (double.IsFinite(value))
        {
            _writer.WriteNumber(N.DoubleValue, value);
        }
        else
        {
            _writer.WriteString(N.StringValue, double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8);
        }
    }

    private void WriteAnyValueBody(in AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeValueKind.String:
                WriteStringValue(value.StringValue);
                break;
            case AttributeValueKind.Bool:
                _writer.WriteBoolean(N.BoolValue, value.BoolValue);
                break;
            case AttributeValueKind.Int:
                WriteIntValue(value.IntValue);
                break;
            case AttributeValueKind.Double:
                WriteDoubleValue(value.DoubleValue);
                break;
            case AttributeValueKind.Bytes:
                _writer.WriteBase64String(N.BytesValue, value.BytesValue.Span);
                break;
            case AttributeValueKind.Array:
                _writer.WriteStartObject(N.ArrayValue);
                _writer.WriteStartArray(N.Values);
                foreach (ref readonly AttributeValue item in value.ArrayValue)
                {
                    WriteArrayItem(in item);
                }

                _writer.WriteEndArray();
                _writer.WriteEndObject();
                break;
            case AttributeValueKind.KeyValueList:
                _writer.WriteStartObject(N.KvlistValue);
                _writer.WriteStartArray(N.Values);
                foreach (ref readonly SpanAttribute entry in value.KeyValueListValue)
                {
                    var entries = new OtlpJsonAttributeSink(_writer);
                    AttributeKeys.Write(ref entries, entry.Key, entry.Value);
                }

                _writer.WriteEndArray();
                _writer.WriteEndObject();
                break;
        }
    }

    private void WriteUtf8Checked(JsonEncodedText name, ReadOnlySpan<byte> utf8)
    {
        if (Utf8.IsValid(utf8))
        {
            _writer.WriteString(name, utf8);
            return;
        }

        // Invalid UTF-8 would make the writer throw; transcoding through UTF-16 replaces every bad sequence with U+FFFD.
        char[] chars = ArrayPool<char>.Shared.Rent(utf8.Length);
        try
        {
            int length = System.Text.Encoding.UTF8.GetChars(utf8, chars);
            _writer.WriteString(name, chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}

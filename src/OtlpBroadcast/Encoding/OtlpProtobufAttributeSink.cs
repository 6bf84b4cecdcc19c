using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Unicode;
using F = OtlpBroadcast.OtlpProtobufFields;

namespace OtlpBroadcast;

/// <summary>
/// Writes attributes as OTLP protobuf <c>KeyValue</c> messages (a repeated field of the enclosing message: 9 in a
/// <c>Span</c>, 3 in an <c>Event</c>, 4 in a <c>Link</c>, 1 in a <c>Resource</c>). The same generated writers that
/// feed <see cref="OtlpJsonAttributeSink"/> feed this one; the values follow the same rules as the JSON encoding
/// (non-finite doubles as the strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>; null array items as empty
/// strings; invalid text replaced by U+FFFD), so both encodings carry the same spans.
/// </summary>
/// <remarks>
/// A scalar attribute is one <c>KeyValue { key = 1; value = 2: AnyValue { one field } }</c> whose size is known
/// before a byte is written: its lengths are computed first and the whole message is written in one pass into room
/// taken once, with no length to patch and nothing to move. Only arrays and key-value lists, whose size depends on
/// what the writer adds next, use the buffer's begin/end framing.
/// </remarks>
public struct OtlpProtobufAttributeSink : IAttributeSink, ICopyableAttributeSink
{
    // Tag bytes (field number << 3 | wire type) of the fields written inside a KeyValue and an AnyValue.
    private const byte KeyTag = (F.KeyValueKey << 3) | (int)WireType.LengthDelimited;
    private const byte ValueTag = (F.KeyValueValue << 3) | (int)WireType.LengthDelimited;
    private const byte StringTag = (F.AnyString << 3) | (int)WireType.LengthDelimited;
    private const byte BoolTag = (F.AnyBool << 3) | (int)WireType.Varint;
    private const byte IntTag = (F.AnyInt << 3) | (int)WireType.Varint;
    private const byte DoubleTag = (F.AnyDouble << 3) | (int)WireType.Fixed64;
    private const byte BytesTag = (F.AnyBytes << 3) | (int)WireType.LengthDelimited;
    private const byte ArrayItemTag = (F.ArrayValues << 3) | (int)WireType.LengthDelimited;
    private const byte ListEntryTag = (F.KeyValueListValues << 3) | (int)WireType.LengthDelimited;

    /// <summary>Key bytes plus the most UTF-8 bytes a text can take (three per UTF-16 unit): up to this, the
    /// KeyValue of a string attribute (six bytes of tags and lengths besides) is at most 127 bytes, so every length in
    /// it is one byte.</summary>
    private const int MaxShortKeyValue = 0x7F - 6;

    private readonly ProtobufBuffer _buffer;
    private readonly int _field;
    private readonly byte _tag;
    private int _listDepth;

    internal OtlpProtobufAttributeSink(ProtobufBuffer buffer, int attributesField)
    {
        // Every repeated KeyValue field of OTLP has a number below 16, so its tag is one byte.
        if (attributesField is < 1 or > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(attributesField), attributesField, "A KeyValue field number from 1 to 15 was expected.");
        }

        _buffer = buffer;
        _field = attributesField;
        _tag = (byte)((attributesField << 3) | (int)WireType.LengthDelimited);
    }

    /// <summary>How many <c>KeyValue</c> messages this sink started: attributes, and the entries added between
    /// <see cref="BeginKeyValueList"/> and <see cref="EndKeyValueList"/> (not those inside an <see cref="AttributeValue"/>).</summary>
    public int Count { get; private set; }

    /// <summary>At the top of a span's attributes. There a <c>KeyValue</c> is a whole field of the span message with its
    /// own tag and exact length, the same bytes wherever it goes: the span message has no length of its own to patch
    /// (<see cref="OtlpProtobufEnvelope"/> frames each span from its fragment's size), and a copy appended inside a
    /// message that <see cref="ProtobufBuffer.BeginMessage"/> opened would be counted by its
    /// <see cref="ProtobufBuffer.EndMessage"/> like any bytes written. Other fields (an event's attributes) carry
    /// another tag, so only span attributes are recorded and copied.</summary>
    readonly bool ICopyableAttributeSink.CanCopy => _field == F.SpanAttributes && _listDepth == 0;

    readonly int ICopyableAttributeSink.Position => _buffer.Length;

    readonly ReadOnlySpan<byte> ICopyableAttributeSink.WrittenSince(int position) => _buffer.WrittenSpan[position..];

    /// <summary>Appends a block copied from an earlier span; its attributes count as <c>KeyValue</c>s started (an
    /// identity block holds no key-value list).</summary>
    void ICopyableAttributeSink.AppendCopy(ReadOnlySpan<byte> block, int attributes)
    {
        block.CopyTo(_buffer.GetSpan(block.Length));
        _buffer.Advance(block.Length);
        Count += attributes;
    }

    /// <summary>The tag of the next KeyValue: the span's (event's, …) attributes field, or a list's entries.</summary>
    private readonly byte KeyValueTag => _listDepth > 0 ? ListEntryTag : _tag;

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
        if (key.Length + (ProtobufBuffer.MaxUtf8BytesPerChar * value.Length) > MaxShortKeyValue)
        {
            // Long text: count its UTF-8 bytes first, then write everything in one pass.
            int byteCount = System.Text.Encoding.UTF8.GetByteCount(value);
            Span<byte> anyValue = StartKeyValue(key, ProtobufBuffer.LengthDelimitedSize(byteCount));
            int at = ProtobufBuffer.WriteLengthDelimitedHead(anyValue, StringTag, byteCount);
            System.Text.Encoding.UTF8.GetBytes(value, anyValue[at..]);
            return;
        }

        // Short text (nearly every attribute): every length of the KeyValue fits one byte whatever the text's UTF-8
        // length, so the text is converted straight into place and the three lengths are filled in after it.
        //   tag [kv] 0A [k] key 12 [any] 0A [n] text
        Span<byte> room = _buffer.GetSpan(8 + key.Length + (ProtobufBuffer.MaxUtf8BytesPerChar * value.Length));
        if (!CopyKey(key, room[4..]))
        {
            Write(RepairedKey(key), value);
            return;
        }

        Count++;
        room[0] = KeyValueTag;
        room[2] = KeyTag;
        room[3] = (byte)key.Length;
        int valueAt = 4 + key.Length;
        room[valueAt] = ValueTag;
        room[valueAt + 2] = StringTag;
        int n = ProtobufBuffer.TranscodeUtf8(value, room[(valueAt + 4)..]);
        room[valueAt + 3] = (byte)n;
        room[valueAt + 1] = (byte)(2 + n);
        room[1] = (byte)(valueAt + 2 + n);
        _buffer.Advance(valueAt + 4 + n);
    }

    /// <inheritdoc/>
    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        if (Utf8.IsValid(utf8Value))
        {
            WriteLengthDelimited(key, StringTag, utf8Value);
            return;
        }

        // Protobuf strings must be valid UTF-8: decode with replacement characters and write the characters.
        char[] chars = ArrayPool<char>.Shared.Rent(utf8Value.Length);
        try
        {
            int length = System.Text.Encoding.UTF8.GetChars(utf8Value, chars);
            Write(key, chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, bool value)
    {
        Span<byte> anyValue = StartKeyValue(key, 2);
        anyValue[0] = BoolTag;
        anyValue[1] = value ? (byte)1 : (byte)0;
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, long value)
    {
        // int64 is written as its two's complement: ten bytes when negative.
        Span<byte> anyValue = StartKeyValue(key, 1 + ProtobufBuffer.VarintSize((ulong)value));
        anyValue[0] = IntTag;
        ProtobufBuffer.WriteVarint(anyValue[1..], (ulong)value);
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, double value)
    {
        if (!double.IsFinite(value))
        {
            WriteLengthDelimited(key, StringTag, NonFinite(value));
            return;
        }

        Span<byte> anyValue = StartKeyValue(key, 9);
        anyValue[0] = DoubleTag;
        BinaryPrimitives.WriteDoubleLittleEndian(anyValue[1..], value);
    }

    /// <inheritdoc/>
    /// <remarks>The text is <see cref="JsonBuffer"/>'s, which replaces invalid input as it writes (invalid UTF-8 as
    /// U+FFFD, a lone surrogate as its escape): valid UTF-8 by construction, so it is copied without being validated
    /// again, as the JSON encoder embeds it without escaping it again.</remarks>
    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json)
    {
        ReadOnlySpan<byte> utf8 = json.GetWrittenUtf8();
        Debug.Assert(Utf8.IsValid(utf8), "Content JSON is valid UTF-8.");
        WriteLengthDelimited(key, StringTag, utf8);
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
    public void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        => WriteLengthDelimited(key, BytesTag, value);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeValueKind.None:
                return;
            case AttributeValueKind.String:
                Write(key, value.StringValue.AsSpan());
                return;
            case AttributeValueKind.Bool:
                Write(key, value.BoolValue);
                return;
            case AttributeValueKind.Int:
                Write(key, value.IntValue);
                return;
            case AttributeValueKind.Double:
                Write(key, value.DoubleValue);
                return;
            case AttributeValueKind.Bytes:
                WriteBytes(key, value.BytesValue.Span);
                return;
            default:
                OpenKeyValue(key);
                WriteAnyValueBody(_buffer, in value);
                CloseKeyValue();
                return;
        }
    }

    /// <inheritdoc/>
    public void BeginArray(ReadOnlySpan<byte> key)
    {
        OpenKeyValue(key);
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
        Span<byte> item = StartArrayItem(_buffer, 2);
        item[0] = BoolTag;
        item[1] = value ? (byte)1 : (byte)0;
    }

    /// <inheritdoc/>
    public readonly void WriteArrayItem(long value)
    {
        Span<byte> item = StartArrayItem(_buffer, 1 + ProtobufBuffer.VarintSize((ulong)value));
        item[0] = IntTag;
        ProtobufBuffer.WriteVarint(item[1..], (ulong)value);
    }

    /// <inheritdoc/>
    public readonly void WriteArrayItem(double value) => WriteArrayItem(_buffer, value);

    /// <inheritdoc/>
    public readonly void WriteArrayItem(in AttributeValue value) => WriteArrayItem(_buffer, in value);

    /// <inheritdoc/>
    public readonly void EndArray()
    {
        _buffer.EndMessage();
        CloseKeyValue();
    }

    /// <inheritdoc/>
    public void BeginKeyValueList(ReadOnlySpan<byte> key)
    {
        OpenKeyValue(key);
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
        CloseKeyValue();
    }

    /// <summary>
    /// Writes the whole framing of one attribute whose <c>AnyValue</c> is <paramref name="anyValueLength"/> bytes long,
    /// <c>tag len(KeyValue) 0A len(key) key 12 len(AnyValue)</c>, and returns the room for the AnyValue's bytes, which
    /// the caller fills. The room is already counted as written.
    /// </summary>
    private Span<byte> StartKeyValue(ReadOnlySpan<byte> key, int anyValueLength)
    {
        // Nearly every attribute: a KeyValue under 128 bytes, whose three lengths are one byte each.
        //   tag [kv] 0A [k] key 12 [any] …
        int keyValueLength = 2 + key.Length + 2 + anyValueLength;
        if (keyValueLength > 0x7F)
        {
            return StartLongKeyValue(key, anyValueLength);
        }

        Span<byte> room = _buffer.GetSpan(2 + keyValueLength);
        if (!CopyKey(key, room[4..]))
        {
            return StartKeyValue(RepairedKey(key), anyValueLength);
        }

        room[0] = KeyValueTag;
        room[1] = (byte)keyValueLength;
        room[2] = KeyTag;
        room[3] = (byte)key.Length;
        int valueAt = 4 + key.Length;
        room[valueAt] = ValueTag;
        room[valueAt + 1] = (byte)anyValueLength;
        Count++;
        _buffer.Advance(2 + keyValueLength);
        return room[(valueAt + 2)..];
    }

    /// <summary><see cref="StartKeyValue"/> for a KeyValue of 128 bytes or more, whose lengths take more bytes.</summary>
    private Span<byte> StartLongKeyValue(ReadOnlySpan<byte> key, int anyValueLength)
    {
        int keyField = ProtobufBuffer.LengthDelimitedSize(key.Length);
        int keyValueLength = keyField + ProtobufBuffer.LengthDelimitedSize(anyValueLength);
        int total = ProtobufBuffer.LengthDelimitedSize(keyValueLength);
        Span<byte> room = _buffer.GetSpan(total);
        int at = ProtobufBuffer.WriteLengthDelimitedHead(room, KeyValueTag, keyValueLength);
        at += ProtobufBuffer.WriteLengthDelimitedHead(room[at..], KeyTag, key.Length);
        if (!CopyKey(key, room[at..]))
        {
            // Nothing is counted as written yet: start again with a key that protobuf accepts.
            return StartLongKeyValue(RepairedKey(key), anyValueLength);
        }

        at += key.Length;
        at += ProtobufBuffer.WriteLengthDelimitedHead(room[at..], ValueTag, anyValueLength);
        Count++;
        _buffer.Advance(total);
        return room[at..];
    }

    /// <summary>A whole attribute whose AnyValue is one length-delimited field (a string or bytes).</summary>
    private void WriteLengthDelimited(ReadOnlySpan<byte> key, byte tag, ReadOnlySpan<byte> bytes)
    {
        Span<byte> anyValue = StartKeyValue(key, ProtobufBuffer.LengthDelimitedSize(bytes.Length));
        int at = ProtobufBuffer.WriteLengthDelimitedHead(anyValue, tag, bytes.Length);
        bytes.CopyTo(anyValue[at..]);
    }

    /// <summary>Opens <c>KeyValue</c> { key, value: AnyValue { … } } for a value whose size is not known yet (an array
    /// or a list): the caller writes one AnyValue field, then <see cref="CloseKeyValue"/>.</summary>
    private void OpenKeyValue(ReadOnlySpan<byte> key)
    {
        Count++;
        _buffer.BeginMessage(_listDepth > 0 ? F.KeyValueListValues : _field);
        _buffer.WriteBytesField(F.KeyValueKey, Utf8.IsValid(key) ? key : RepairedKey(key));
        _buffer.BeginMessage(F.KeyValueValue);
    }

    private readonly void CloseKeyValue()
    {
        _buffer.EndMessage();
        _buffer.EndMessage();
    }

    /// <summary>Copies a key into place; false when it is not valid UTF-8 (keys are nearly always ASCII literals, so
    /// the copy checks for ASCII on the way and only other keys are validated separately).</summary>
    private static bool CopyKey(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        if (ProtobufBuffer.CopyAscii(key, destination))
        {
            return true;
        }

        return Utf8.IsValid(key);
    }

    /// <summary>The key with each invalid UTF-8 sequence replaced by U+FFFD: protobuf strings must be valid UTF-8
    /// (a rare path, allowed to allocate).</summary>
    private static byte[] RepairedKey(ReadOnlySpan<byte> key)
        => System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(key));

    private static ReadOnlySpan<byte> NonFinite(double value) => double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8;

    /// <summary>Takes the room for one <c>ArrayValue.values</c> item of <paramref name="anyValueLength"/> bytes and
    /// returns where its AnyValue field goes.</summary>
    private static Span<byte> StartArrayItem(ProtobufBuffer buffer, int anyValueLength)
    {
        int total = ProtobufBuffer.LengthDelimitedSize(anyValueLength);
        Span<byte> room = buffer.GetSpan(total);
        int at = ProtobufBuffer.WriteLengthDelimitedHead(room, ArrayItemTag, anyValueLength);
        buffer.Advance(total);
        return room[at..];
    }

    private static void WriteArrayItem(ProtobufBuffer buffer, double value)
    {
        if (!double.IsFinite(value))
        {
            ReadOnlySpan<byte> text = NonFinite(value);
            Span<byte> stringItem = StartArrayItem(buffer, ProtobufBuffer.LengthDelimitedSize(text.Length));
            int at = ProtobufBuffer.WriteLengthDelimitedHead(stringItem, StringTag, text.Length);
            text.CopyTo(stringItem[at..]);
            return;
        }

        Span<byte> item = StartArrayItem(buffer, 9);
        item[0] = DoubleTag;
        BinaryPrimitives.WriteDoubleLittleEndian(item[1..], value);
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
            case AttributeValueKind.Double when double.IsFinite(value.DoubleValue):
                buffer.WriteFixed64Field(F.AnyDouble, (ulong)BitConverter.DoubleToInt64Bits(value.DoubleValue));
                break;
            case AttributeValueKind.Double:
                buffer.WriteBytesField(F.AnyString, NonFinite(value.DoubleValue));
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

using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace OtlpBroadcast;

/// <summary>The protobuf wire types this SDK writes.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// A growable buffer of protobuf wire bytes over arrays from <see cref="ArrayPool{T}.Shared"/>, reused between spans
/// so that steady-state encoding allocates nothing.
/// </summary>
/// <remarks>
/// <para>
/// A length-delimited message must be preceded by its length, which a streaming writer (generated code calling
/// <c>BeginArray</c> … <c>EndArray</c>) does not know in advance. <see cref="BeginMessage"/> reserves one byte for the
/// length and <see cref="EndMessage"/> fills it in; only when the message turns out to be 128 bytes or longer are its
/// bytes moved right to make room for the longer varint.
/// </para>
/// <para>
/// Why not the alternatives: a fixed-width, zero-padded varint (say five bytes) needs no move but costs four bytes per
/// attribute and per value, and is a non-canonical encoding that some strict decoders flag; writing each nested
/// message to a scratch buffer and copying it out copies every byte once per nesting level. Almost every attribute
/// is shorter than 128 bytes, so the move happens only for the few large values (prompts, completions), once per
/// enclosing level (three or four levels at most).
/// </para>
/// <para>
/// Messages whose size is known before they are written (a scalar attribute, a status, an id) need neither: the
/// writer computes the exact lengths first, takes the whole message's room with <see cref="GetSpan"/> and fills it
/// with the static <see cref="WriteVarint(Span{byte}, ulong)"/>, then <see cref="Advance"/>s once. Every length
/// stays a minimal varint, so the output is canonical protobuf either way.
/// </para>
/// </remarks>
internal sealed class ProtobufBuffer : IDisposable
{
    /// <summary>The most bytes one UTF-16 unit becomes in UTF-8 (a surrogate pair: four bytes for two units).</summary>
    internal const int MaxUtf8BytesPerChar = 3;

    private const int MinimumSize = 1024;
    private const int MaxVarintSize = 10;

    // Field numbers are below 2^29: a tag is at most five bytes.
    private const int MaxTagSize = 5;

    // The longest text whose UTF-8 length surely fits a one-byte varint.
    private const int MaxShortChars = 0x7F / MaxUtf8BytesPerChar;

    private byte[] _buffer;
    private int _position;
    private int[] _open = new int[16];
    private int _depth;

    public ProtobufBuffer(int initialCapacity = MinimumSize)
        => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, MinimumSize));

    public int Length => _position;

    /// <summary>How many messages are open (begun and not yet ended).</summary>
    public int Depth => _depth;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    public void Clear()
    {
        _position = 0;
        _depth = 0;
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _position = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The number of bytes of <paramref name="value"/> as a varint.</summary>
    public static int VarintSize(ulong value)
    {
        // 7 bits per byte; BitOperations gives the index of the highest set bit ("| 1" makes zero one byte).
        return (System.Numerics.BitOperations.Log2(value | 1) / 7) + 1;
    }

    /// <summary>Writes <paramref name="value"/> as a varint at the start of <paramref name="destination"/>; returns the
    /// number of bytes written (<see cref="VarintSize"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        if (value < 0x80)
        {
            destination[0] = (byte)value;
            return 1;
        }

        return WriteLongVarint(destination, value);
    }

    private static int WriteLongVarint(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>The bytes of a length-delimited field with a one-byte tag (field numbers 1 to 15) and
    /// <paramref name="length"/> bytes of content.</summary>
    public static int LengthDelimitedSize(int length) => 1 + VarintSize((ulong)length) + length;

    /// <summary>Writes the head of a length-delimited field, its one-byte <paramref name="tag"/> and the length
    /// varint, at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    public static int WriteLengthDelimitedHead(Span<byte> destination, byte tag, long length)
    {
        destination[0] = tag;
        return 1 + WriteVarint(destination[1..], (ulong)length);
    }

    /// <summary>The room for the next <paramref name="count"/> bytes, to fill before calling <see cref="Advance"/>
    /// (the buffer may move on the next call that takes room).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int count)
    {
        if (_buffer.Length - _position < count)
        {
            Grow(count);
        }

        return _buffer.AsSpan(_position, count);
    }

    /// <summary>Marks <paramref name="count"/> bytes of the last <see cref="GetSpan"/> as written.</summary>
    public void Advance(int count) => _position += count;

    public void WriteTag(int field, WireType wireType) => WriteVarint(Tag(field, wireType));

    private static ulong Tag(int field, WireType wireType) => ((ulong)(uint)field << 3) | (uint)wireType;

    public void WriteVarint(ulong value) => _position += WriteVarint(GetSpan(MaxVarintSize), value);

    /// <summary>A varint field (int64 values are written as their two's complement, ten bytes when negative).</summary>
    public void WriteVarintField(int field, ulong value)
    {
        Span<byte> room = GetSpan(MaxTagSize + MaxVarintSize);
        int n = WriteVarint(room, Tag(field, WireType.Varint));
        _position += n + WriteVarint(room[n..], value);
    }

    public void WriteFixed64Field(int field, ulong value)
    {
        Span<byte> room = GetSpan(MaxTagSize + 8);
        int n = WriteVarint(room, Tag(field, WireType.Fixed64));
        BinaryPrimitives.WriteUInt64LittleEndian(room[n..], value);
        _position += n + 8;
    }

    public void WriteFixed32Field(int field, uint value)
    {
        Span<byte> room = GetSpan(MaxTagSize + 4);
        int n = WriteVarint(room, Tag(field, WireType.Fixed32));
        BinaryPrimitives.WriteUInt32LittleEndian(room[n..], value);
        _position += n + 4;
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> bytes)
    {
        Span<byte> room = GetSpan(MaxTagSize + MaxVarintSize + bytes.Length);
        int n = WriteVarint(room, Tag(field, WireType.LengthDelimited));
        n += WriteVarint(room[n..], (ulong)bytes.Length);
        bytes.CopyTo(room[n..]);
        _position += n + bytes.Length;
    }

    /// <summary>A string field from characters; lone surrogates become U+FFFD, as in the JSON encoding.</summary>
    public void WriteStringField(int field, ReadOnlySpan<char> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        if (value.Length <= MaxShortChars)
        {
            // At most three bytes per UTF-16 unit: the length fits one byte, so transcode first and fill it in after.
            Span<byte> room = GetSpan(1 + (MaxUtf8BytesPerChar * value.Length));
            int written = TranscodeUtf8(value, room[1..]);
            room[0] = (byte)written;
            _position += 1 + written;
            return;
        }

        // Encoding.UTF8 replaces invalid UTF-16 with U+FFFD in both calls, so the counted length is the written one.
        int byteCount = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)byteCount);
        _position += System.Text.Encoding.UTF8.GetBytes(value, GetSpan(byteCount));
    }

    /// <summary>Converts <paramref name="value"/> to UTF-8 into <paramref name="destination"/> (which has room for
    /// <see cref="MaxUtf8BytesPerChar"/> bytes per unit), lone surrogates as U+FFFD like
    /// <see cref="System.Text.Encoding.UTF8"/>; returns the bytes written.</summary>
    internal static int TranscodeUtf8(ReadOnlySpan<char> value, Span<byte> destination)
    {
        // Attribute values are mostly short ASCII ("DEFAULT", "openai", ids).
        if (value.Length <= ShortAscii.MaxLength && ShortAscii.TryNarrow(value, destination))
        {
            return value.Length;
        }

        Utf8.FromUtf16(value, destination, out _, out int written, replaceInvalidSequences: true);
        return written;
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (eight bytes at a time) and tells
    /// whether every byte was ASCII: one pass instead of a validation and a copy.</summary>
    internal static bool CopyAscii(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        const ulong HighBits = 0x8080808080808080UL;
        ulong seen = 0;
        if (source.Length < sizeof(ulong))
        {
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = source[i];
                seen |= source[i];
            }

            return (seen & HighBits) == 0;
        }

        // Whole chunks, then the last eight bytes, which overlap the chunk before unless the length is a multiple of
        // eight: no byte-by-byte tail.
        int last = source.Length - sizeof(ulong);
        for (int i = 0; i < last; i += sizeof(ulong))
        {
            ulong chunk = BinaryPrimitives.ReadUInt64LittleEndian(source[i..]);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], chunk);
            seen |= chunk;
        }

        ulong tail = BinaryPrimitives.ReadUInt64LittleEndian(source[last..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[last..], tail);
        return ((seen | tail) & HighBits) == 0;
    }

    /// <summary>Starts a length-delimited field whose length is filled in by <see cref="EndMessage"/>.</summary>
    public void BeginMessage(int field)
    {
        WriteTag(field, WireType.LengthDelimited);
        GetSpan(1);
        if (_depth == _open.Length)
        {
            Array.Resize(ref _open, _open.Length * 2);
        }

        _open[_depth++] = _position;
        _position++;
    }

    /// <summary>Ends the innermost open message: writes its length, moving its bytes when the length needs more
    /// than the one reserved byte.</summary>
    public void EndMessage()
    {
        if (_depth == 0)
        {
            throw new InvalidOperationException("No protobuf message is open.");
        }

        int lengthAt = _open[--_depth];
        int contentStart = lengthAt + 1;
        int length = _position - contentStart;
        if (length < 0x80)
        {
            _buffer[lengthAt] = (byte)length;
            return;
        }

        int extra = VarintSize((ulong)length) - 1;
        GetSpan(extra);
        _buffer.AsSpan(contentStart, length).CopyTo(_buffer.AsSpan(contentStart + extra));
        _position += extra;
        WriteVarint(_buffer.AsSpan(lengthAt), (ulong)length);
    }

    private void Grow(int count)
    {
        int newSize = Math.Max(_buffer.Length * 2, _position + count);
        byte[] larger = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, _position).CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }
}

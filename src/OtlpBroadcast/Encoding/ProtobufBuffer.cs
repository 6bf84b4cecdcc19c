using System.Buffers;
using System.Buffers.Binary;
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
/// </remarks>
internal sealed class ProtobufBuffer : IDisposable
{
    private const int MinimumSize = 1024;
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
        // 7 bits per byte; BitOperations gives the index of the highest set bit.
        return value == 0 ? 1 : (System.Numerics.BitOperations.Log2(value) / 7) + 1;
    }

    public void WriteTag(int field, WireType wireType) => WriteVarint(((ulong)(uint)field << 3) | (uint)wireType);

    public void WriteVarint(ulong value)
    {
        Span<byte> span = Reserve(10);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _position += i;
    }

    public void WriteFixed64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
        _position += 8;
    }

    public void WriteFixed32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
        _position += 4;
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _position += bytes.Length;
    }

    /// <summary>A varint field (int64 values are written as their two's complement, ten bytes when negative).</summary>
    public void WriteVarintField(int field, ulong value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint(value);
    }

    public void WriteFixed64Field(int field, ulong value)
    {
        WriteTag(field, WireType.Fixed64);
        WriteFixed64(value);
    }

    public void WriteFixed32Field(int field, uint value)
    {
        WriteTag(field, WireType.Fixed32);
        WriteFixed32(value);
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> bytes)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>A string field from characters; lone surrogates become U+FFFD, as in the JSON encoding.</summary>
    public void WriteStringField(int field, ReadOnlySpan<char> value)
    {
        // Encoding.UTF8 replaces invalid UTF-16 with U+FFFD in both calls, so the counted length is the written one.
        int byteCount = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)byteCount);
        int written = System.Text.Encoding.UTF8.GetBytes(value, Reserve(byteCount));
        _position += written;
    }

    /// <summary>A string field from UTF-8 bytes; invalid sequences become U+FFFD (protobuf strings must be valid UTF-8).</summary>
    public void WriteUtf8Field(int field, ReadOnlySpan<byte> utf8)
    {
        if (Utf8.IsValid(utf8))
        {
            WriteBytesField(field, utf8);
            return;
        }

        char[] chars = ArrayPool<char>.Shared.Rent(utf8.Length);
        try
        {
            int length = System.Text.Encoding.UTF8.GetChars(utf8, chars);
            WriteStringField(field, chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Starts a length-delimited field whose length is filled in by <see cref="EndMessage"/>.</summary>
    public void BeginMessage(int field)
    {
        WriteTag(field, WireType.LengthDelimited);
        Reserve(1);
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
        Reserve(extra);
        _buffer.AsSpan(contentStart, length).CopyTo(_buffer.AsSpan(contentStart + extra));
        _position += extra;
        int at = lengthAt;
        uint value = (uint)length;
        while (value >= 0x80)
        {
            _buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[at] = (byte)value;
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _position < count)
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

        return _buffer.AsSpan(_position, count);
    }
}

using System.Buffers.Binary;
using System.Text;

namespace OtlpBroadcast.Testing;

/// <summary>One field of a protobuf message: its number, wire type and value.</summary>
internal readonly ref struct ProtoField
{
    public ProtoField(int number, int wireType, ulong scalar, ReadOnlySpan<byte> bytes)
    {
        Number = number;
        WireType = wireType;
        Scalar = scalar;
        Bytes = bytes;
    }

    public int Number { get; }

    /// <summary>0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.</summary>
    public int WireType { get; }

    /// <summary>The varint or fixed-width value.</summary>
    public ulong Scalar { get; }

    /// <summary>The payload of a length-delimited field.</summary>
    public ReadOnlySpan<byte> Bytes { get; }
}

/// <summary>
/// Reads the fields of one protobuf message, written here from the protobuf encoding rules and independent of the
/// SDK's writer, so that the two can disagree. Malformed input (truncated varints, lengths past the end, group wire
/// types) throws <see cref="OtlpDecodeException"/> naming the message path.
/// </summary>
internal ref struct ProtoFieldReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _path;
    private int _position;

    public ProtoFieldReader(ReadOnlySpan<byte> data, string path)
    {
        _data = data;
        _path = path;
        _position = 0;
    }

    public bool TryRead(out ProtoField field)
    {
        if (_position >= _data.Length)
        {
            field = default;
            return false;
        }

        ulong tag = ReadVarint();
        int number = (int)(tag >> 3);
        int wireType = (int)(tag & 7);
        if (number == 0)
        {
            throw new OtlpDecodeException(_path, "field number 0 is invalid");
        }

        switch (wireType)
        {
            case 0:
                field = new ProtoField(number, wireType, ReadVarint(), default);
                return true;
            case 1:
                field = new ProtoField(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(Take(8, number)), default);
                return true;
            case 2:
                ulong length = ReadVarint();
                if (length > (ulong)(_data.Length - _position))
                {
                    throw new OtlpDecodeException(_path, $"field {number}: length {length} runs past the end of the message");
                }

                field = new ProtoField(number, wireType, length, Take((int)length, number));
                return true;
            case 5:
                field = new ProtoField(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(Take(4, number)), default);
                return true;
            default:
                throw new OtlpDecodeException(_path, $"field {number}: unsupported wire type {wireType}");
        }
    }

    /// <summary>The field's payload as UTF-8 text; invalid UTF-8 is an error (proto3 strings must be valid).</summary>
    public static string Text(in ProtoField field, string path)
    {
        Expect(field, 2, path);
        try
        {
            return StrictUtf8.GetString(field.Bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new OtlpDecodeException(path, "string is not valid UTF-8");
        }
    }

    /// <summary>Refuses a known field with another wire type than the schema's.</summary>
    public static void Expect(in ProtoField field, int wireType, string path)
    {
        if (field.WireType != wireType)
        {
            throw new OtlpDecodeException(path, $"field {field.Number} has wire type {field.WireType}, expected {wireType}");
        }
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new OtlpDecodeException(_path, "truncated varint");
            }

            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new OtlpDecodeException(_path, "varint longer than ten bytes");
    }

    private ReadOnlySpan<byte> Take(int count, int number)
    {
        if (_data.Length - _position < count)
        {
            throw new OtlpDecodeException(_path, $"field {number}: truncated");
        }

        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}

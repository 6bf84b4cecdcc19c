using F = OtlpBroadcast.OtlpProtobufFields;

namespace OtlpBroadcast.Export;

/// <summary>
/// Reads the partial success of a protobuf <c>ExportTraceServiceResponse</c>
/// (<c>partial_success = 1 { rejected_spans = 1 (int64); error_message = 2 (string) }</c>) and the message of a
/// protobuf <c>google.rpc.Status</c> (<c>message = 2 (string)</c>); every other field is skipped, as protobuf readers
/// must.
/// </summary>
internal static class OtlpProtobufResponse
{
    /// <summary>The partial success, or <see langword="null"/> when there is none or the body cannot be read (a 2xx
    /// with an unreadable body is still a success: the spans were accepted).</summary>
    public static ExportTracePartialSuccess? ReadPartialSuccess(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            ExportTracePartialSuccess? result = null;
            var reader = new Reader(body);
            while (reader.TryReadTag(out int field, out int wireType))
            {
                if (field == F.ResponsePartialSuccess && wireType == 2)
                {
                    result = ReadPartial(reader.ReadLengthDelimited(), result ?? new ExportTracePartialSuccess());
                }
                else
                {
                    reader.Skip(wireType);
                }
            }

            return result;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The <c>message</c> of a protobuf <c>google.rpc.Status</c>, the body OTLP/HTTP gives a 4xx or 5xx answer
    /// to a protobuf request; <see langword="null"/> when it has none or the body cannot be read as one (its bytes, shown
    /// as text, would say nothing a person can read).</summary>
    public static string? ReadStatusMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            string? message = null;
            var reader = new Reader(body);
            while (reader.TryReadTag(out int field, out int wireType))
            {
                if (field == F.RpcStatusMessage && wireType == 2)
                {
                    message = System.Text.Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                }
                else
                {
                    reader.Skip(wireType);
                }
            }

            return string.IsNullOrWhiteSpace(message) ? null : message;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // Fields of a repeated embedded message merge, as protobuf parsers do.
    private static ExportTracePartialSuccess ReadPartial(ReadOnlySpan<byte> message, ExportTracePartialSuccess partial)
    {
        var reader = new Reader(message);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == F.PartialSuccessRejectedSpans && wireType == 0)
            {
                partial.RejectedSpans = (long)reader.ReadVarint();
            }
            else if (field == F.PartialSuccessErrorMessage && wireType == 2)
            {
                partial.ErrorMessage = System.Text.Encoding.UTF8.GetString(reader.ReadLengthDelimited());
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return partial;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool TryReadTag(out int field, out int wireType)
        {
            if (_position >= _data.Length)
            {
                field = 0;
                wireType = 0;
                return false;
            }

            ulong tag = ReadVarint();
            field = (int)(tag >> 3);
            wireType = (int)(tag & 7);
            if (field == 0)
            {
                throw new FormatException("field number 0");
            }

            return true;
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw new FormatException("truncated varint");
                }

                byte b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new FormatException("varint longer than ten bytes");
        }

        public ReadOnlySpan<byte> ReadLengthDelimited()
        {
            ulong length = ReadVarint();
            if (length > (ulong)(_data.Length - _position))
            {
                throw new FormatException("length past the end");
            }

            ReadOnlySpan<byte> slice = _data.Slice(_position, (int)length);
            _position += (int)length;
            return slice;
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0:
                    ReadVarint();
                    break;
                case 1:
                    Advance(8);
                    break;
                case 2:
                    ReadLengthDelimited();
                    break;
                case 5:
                    Advance(4);
                    break;
                default:
                    throw new FormatException($"unsupported wire type {wireType}");
            }
        }

        private void Advance(int count)
        {
            if (_data.Length - _position < count)
            {
                throw new FormatException("truncated fixed-width field");
            }

            _position += count;
        }
    }
}

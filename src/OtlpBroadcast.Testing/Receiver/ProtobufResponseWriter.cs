using System.Text;

namespace OtlpBroadcast.Testing;

/// <summary>Writes a protobuf <c>ExportTraceServiceResponse</c>:
/// <c>partial_success = 1 { rejected_spans = 1 (int64 varint); error_message = 2 (string) }</c>.</summary>
internal static class ProtobufResponseWriter
{
    public static byte[] Write(long? rejectedSpans, string? errorMessage)
    {
        if (rejectedSpans is null)
        {
            return [];
        }

        var inner = new List<byte>();
        if (rejectedSpans.Value != 0)
        {
            inner.Add(0x08); // field 1, varint
            Varint(inner, (ulong)rejectedSpans.Value);
        }

        if (!string.IsNullOrEmpty(errorMessage))
        {
            var text = Encoding.UTF8.GetBytes(errorMessage);
            inner.Add(0x12); // field 2, length-delimited
            Varint(inner, (ulong)text.Length);
            inner.AddRange(text);
        }

        var outer = new List<byte> { 0x0A }; // field 1, length-delimited
        Varint(outer, (ulong)inner.Count);
        outer.AddRange(inner);
        return [.. outer];
    }

    private static void Varint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }
}

using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace OtlpBroadcast;

/// <summary>
/// Writes an unsigned integer in decimal. Span times are 19-digit nanosecond counts, written six times per span tree:
/// the digits are produced eight at a time with 32-bit arithmetic and two at a time from a table of digit pairs,
/// instead of one 64-bit division per digit pair.
/// </summary>
internal static class DecimalDigits
{
    private const uint EightDigits = 100_000_000;

    /// <summary>"00" to "99".</summary>
    private static ReadOnlySpan<byte> Pairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>The number of decimal digits of <paramref name="value"/> (1 for 0).</summary>
    public static int Length(ulong value)
    {
        int length = 1;
        while (value >= 10_000)
        {
            value /= 10_000;
            length += 4;
        }

        return length + (value >= 1_000 ? 3 : value >= 100 ? 2 : value >= 10 ? 1 : 0);
    }

    /// <summary>Writes <paramref name="value"/> (up to 20 digits, no leading zeros); returns the number of bytes.</summary>
    public static int Write(ulong value, Span<byte> destination)
    {
        if (value < EightDigits)
        {
            return WriteSmall((uint)value, destination);
        }

        ulong high = value / EightDigits;
        uint low = (uint)(value - (high * EightDigits));
        int written;
        if (high < EightDigits)
        {
            written = WriteSmall((uint)high, destination);
        }
        else
        {
            ulong top = high / EightDigits;
            written = WriteSmall((uint)top, destination);
            WriteEight((uint)(high - (top * EightDigits)), destination[written..]);
            written += 8;
        }

        WriteEight(low, destination[written..]);
        return written + 8;
    }

    /// <summary>A value below 10^8, without leading zeros.</summary>
    private static int WriteSmall(uint value, Span<byte> destination)
    {
        int length = value switch
        {
            < 10 => 1,
            < 100 => 2,
            < 1_000 => 3,
            < 10_000 => 4,
            < 100_000 => 5,
            < 1_000_000 => 6,
            < 10_000_000 => 7,
            _ => 8,
        };

        // Pairs from the right; an odd length leaves one digit at the left.
        int at = length;
        while (at >= 2)
        {
            uint next = value / 100;
            at -= 2;
            WritePair(value - (next * 100), destination[at..]);
            value = next;
        }

        if (at == 1)
        {
            destination[0] = (byte)('0' + value);
        }

        return length;
    }

    /// <summary>A value below 10^8 as exactly eight digits.</summary>
    private static void WriteEight(uint value, Span<byte> destination)
    {
        uint high = value / 10_000;
        uint low = value - (high * 10_000);
        uint a = high / 100;
        uint b = low / 100;
        WritePair(a, destination);
        WritePair(high - (a * 100), destination[2..]);
        WritePair(b, destination[4..]);
        WritePair(low - (b * 100), destination[6..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WritePair(uint value, Span<byte> destination)
        => BinaryPrimitives.WriteUInt16LittleEndian(destination, BinaryPrimitives.ReadUInt16LittleEndian(Pairs[(int)(value * 2)..]));
}

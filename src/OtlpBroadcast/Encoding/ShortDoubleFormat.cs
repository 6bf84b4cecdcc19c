namespace OtlpBroadcast;

/// <summary>
/// Formats the doubles that telemetry carries most (a temperature of 0.7, a cost of 2.25E-05: at most 15 significant
/// digits) without the general shortest-round-trip algorithm, giving exactly the text of
/// <c>double.TryFormat(utf8, default, CultureInfo.InvariantCulture)</c>, which <see cref="System.Text.Json.Utf8JsonWriter"/>
/// writes. Any other value is left to that method.
/// </summary>
/// <remarks>
/// <para>
/// .NET writes the shortest decimal that parses back to the same double. When that decimal has at most 15
/// significant digits it is the value rounded to 15 significant digits, with trailing zeros dropped: 15-digit
/// decimals are at least 10^-15 apart relative to the value, and a decimal that parses back to the double lies
/// within half a unit in the last place of it (at most 1.1 × 10^-16 relative, for normal doubles), so at most one
/// 15-digit decimal parses back, and the shortest one, padded with zeros, is it.
/// </para>
/// <para>
/// So: scale the value to 15 integer digits (by an exact power of ten), round, and check that the integer divided by
/// the same power gives the value back (one correctly rounded division of two exact numbers: what parsing the
/// decimal gives). If it does, those digits are .NET's; if not, the shortest decimal needs 16 or 17 digits, or
/// scaling rounded the wrong way, and the general method formats it. A wrong scale can only make the check fail.
/// </para>
/// <para>
/// The layout is .NET's: positional notation for decimal exponents from -4 to 14 (0.0001 to 999999999999999), else
/// <c>d.dddE+XX</c> / <c>d.dddE-XX</c> with at least two exponent digits.
/// </para>
/// </remarks>
internal static class ShortDoubleFormat
{
    /// <summary>The longest text written: sign, "0.", five zeros, 15 digits (fewer in exponent form).</summary>
    public const int MaxLength = 24;

    private const ulong FifteenDigits = 1_000_000_000_000_000;

    // Exact in binary up to 10^22.
    private static readonly double[] PowersOf10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>Writes <paramref name="value"/> when its shortest decimal has at most 15 significant digits and its
    /// magnitude is within [10^-7, 10^15); otherwise writes nothing and returns <see langword="false"/>.</summary>
    public static bool TryFormat(double value, Span<byte> destination, out int written)
    {
        written = 0;
        double magnitude = Math.Abs(value);
        if (!(magnitude >= 1e-7 && magnitude < 1e15) || destination.Length < MaxLength)
        {
            return false;
        }

        // The power of ten that brings 15 significant digits before the point: 14 minus the decimal exponent,
        // estimated from the binary one as floor(e × log10 2) (1233 / 4096), which is exact or one too small: then
        // the scaled value has 16 digits, and one power less is right.
        int binaryExponent = (int)(BitConverter.DoubleToInt64Bits(magnitude) >> 52) - 1023;
        int power = 14 - ((binaryExponent * 1233) >> 12);
        ulong digits = (ulong)Math.Round(magnitude * PowersOf10[power]);
        if (digits >= FifteenDigits && power > 0)
        {
            power--;
            digits = (ulong)Math.Round(magnitude * PowersOf10[power]);
        }

        if (digits >= FifteenDigits || digits / PowersOf10[power] != magnitude)
        {
            return false;
        }

        // The significant digits: trailing zeros dropped (at most 14: eight, four, two and one at a time).
        int exponent = -power;
        if (digits % 100_000_000 == 0)
        {
            digits /= 100_000_000;
            exponent += 8;
        }

        if (digits % 10_000 == 0)
        {
            digits /= 10_000;
            exponent += 4;
        }

        if (digits % 100 == 0)
        {
            digits /= 100;
            exponent += 2;
        }

        if (digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }

        int at = 0;
        if (value < 0)
        {
            destination[at++] = (byte)'-';
        }

        // value = 0.<digits> × 10^scale. The digits are written where most of them end up, then the first ones are
        // moved left to make room for the point.
        int count = DecimalDigits.Length(digits);
        int scale = count + exponent;
        if (scale > 15 || scale < -3)
        {
            // d.ddddE+XX
            DecimalDigits.Write(digits, destination[(at + 1)..]);
            destination[at] = destination[at + 1];
            if (count > 1)
            {
                destination[at + 1] = (byte)'.';
                at++;
            }

            at += count;
            int e = scale - 1;
            destination[at++] = (byte)'E';
            destination[at++] = e < 0 ? (byte)'-' : (byte)'+';
            e = Math.Abs(e);
            destination[at++] = (byte)('0' + (e / 10));
            destination[at++] = (byte)('0' + (e % 10));
        }
        else if (scale <= 0)
        {
            // 0.000ddd
            destination[at++] = (byte)'0';
            destination[at++] = (byte)'.';
            destination.Slice(at, -scale).Fill((byte)'0');
            at += -scale;
            at += DecimalDigits.Write(digits, destination[at..]);
        }
        else if (scale < count)
        {
            // ddd.ddd
            DecimalDigits.Write(digits, destination[(at + 1)..]);
            destination.Slice(at + 1, scale).CopyTo(destination[at..]);
            destination[at + scale] = (byte)'.';
            at += count + 1;
        }
        else
        {
            // ddd000
            at += DecimalDigits.Write(digits, destination[at..]);
            destination.Slice(at, scale - count).Fill((byte)'0');
            at += scale - count;
        }

        written = at;
        return true;
    }
}

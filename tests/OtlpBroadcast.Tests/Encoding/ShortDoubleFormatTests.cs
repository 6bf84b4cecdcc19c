using System.Globalization;
using CsCheck;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// <see cref="ShortDoubleFormat"/> must write exactly what <c>double.TryFormat</c> (the text Utf8JsonWriter writes)
/// gives, whenever it writes anything; and it must take the common values (prices, ratios, temperatures).
/// </summary>
public class ShortDoubleFormatTests
{
    [Theory]
    [InlineData(0.7)]
    [InlineData(0.9)]
    [InlineData(-0.7)]
    [InlineData(2.25e-05)]
    [InlineData(9e-05)]
    [InlineData(0.0001125)]
    [InlineData(0.0001)]
    [InlineData(0.00001)]
    [InlineData(1e-7)]
    [InlineData(1.5)]
    [InlineData(100)]
    [InlineData(123456789012345)]
    [InlineData(999999999999999)]
    [InlineData(0.30000000000000004)]
    [InlineData(1.0 / 3)]
    public void CommonValuesAreWrittenAsDotNetWritesThem(double value)
    {
        string expected = value.ToString(CultureInfo.InvariantCulture);
        bool taken = ShortDoubleFormat.TryFormat(value, new byte[ShortDoubleFormat.MaxLength], out _);
        Assert.Equal(expected, Format(value) ?? expected);

        // Up to 15 significant digits the fast path must take it.
        Assert.Equal(expected.TrimStart('-').Replace(".", "", StringComparison.Ordinal).Split('E')[0].TrimStart('0').Length <= 15, taken);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e15)]
    [InlineData(1e-8)]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ValuesOutsideTheFastRangeAreLeftToDotNet(double value)
    {
        Assert.Null(Format(value));
        Assert.Null(Format(-value));
    }

    [Fact]
    public void RandomDoublesOfEveryMagnitudeAreWrittenAsDotNetWritesThem()
    {
        // Random bits (any double), short decimals (what the fast path takes), and neighbours of both.
        Gen<double> anyBits = Gen.Long.Select(BitConverter.Int64BitsToDouble);
        Gen<double> shortDecimals = Gen.Select(Gen.Long[-999_999_999_999_999, 999_999_999_999_999], Gen.Int[-22, 16], (digits, exponent) => double.Parse($"{digits}E{exponent}", CultureInfo.InvariantCulture));
        Gen<double> neighbours = Gen.Select(Gen.OneOf(anyBits, shortDecimals), Gen.Int[-2, 2], (value, step) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(value) + step));
        int taken = 0;
        Gen.OneOf(anyBits, shortDecimals, neighbours).Sample(
            value =>
            {
                string? fast = Format(value);
                if (fast is not null)
                {
                    taken++;
                    Assert.Equal(value.ToString(CultureInfo.InvariantCulture), fast);
                }
            },
            iter: 300_000,
            threads: 1);

        Assert.True(taken > 50_000, $"the fast path took only {taken} values");
    }

    [Fact]
    public void EveryShortDecimalOfTheFastRangeIsTaken()
    {
        // A decimal of up to 15 digits, parsed, is a double whose shortest form is that decimal (or shorter).
        var random = new Random(7);
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(1, 16);
            long digits = random.NextInt64(1, (long)Math.Pow(10, length));
            double value = digits * Math.Pow(10, random.Next(-7 - length + 1, 15 - length));
            value = double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (Math.Abs(value) is >= 1e-7 and < 1e15 && value.ToString(CultureInfo.InvariantCulture).Replace(".", "", StringComparison.Ordinal).Split('E')[0].TrimStart('0').Length <= 15)
            {
                Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Format(value));
            }
        }
    }

    private static string? Format(double value)
    {
        byte[] buffer = new byte[ShortDoubleFormat.MaxLength];
        return ShortDoubleFormat.TryFormat(value, buffer, out int written) ? System.Text.Encoding.ASCII.GetString(buffer, 0, written) : null;
    }
}

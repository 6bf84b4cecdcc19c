namespace OtlpBroadcast.Tests.GenAi;

public class GenerationCostTests
{
    [Theory]
    [InlineData(0.0000225, 0.00009, 0.0001125)]
    [InlineData(0.1, 0.2, 0.3)]
    [InlineData(0.000003, 0.000012, 0.000015)]
    [InlineData(1.5, 0, 1.5)]
    public void PartsAreSummedAsTheDecimalPricesTheyStandFor(double input, double output, double total)
    {
        double? sum = new GenerationCost(input, output).EffectiveTotal;

        Assert.Equal(total, sum);

        // The shortest round-trip text is the price as written, not a binary sum such as 0.30000000000000004.
        Assert.Equal(total.ToString("R", System.Globalization.CultureInfo.InvariantCulture), sum!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(0.1 + 0.2, new GenerationCost(0.1, 0.2).EffectiveTotal);
    }

    [Theory]
    [InlineData(1e300, 1.0)]
    [InlineData(1e-20, 3e-20)]
    [InlineData(double.MaxValue, double.MaxValue)]
    [InlineData(double.NaN, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    [InlineData(-1e16, 2.5)]
    public void PartsADecimalCannotHoldAreSummedAsDoubles(double input, double output)
        => Assert.Equal(input + output, new GenerationCost(input, output).EffectiveTotal);

    [Fact]
    public void AGivenTotalWinsAndNothingKnownIsNull()
    {
        Assert.Equal(7.0, new GenerationCost(1, 2, Total: 7).EffectiveTotal);
        Assert.Equal(0.5, new GenerationCost(Output: 0.5).EffectiveTotal);
        Assert.Null(new GenerationCost().EffectiveTotal);
    }
}

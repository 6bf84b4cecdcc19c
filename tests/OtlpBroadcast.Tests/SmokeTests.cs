namespace OtlpBroadcast.Tests;

public class SmokeTests
{
    [Fact]
    public void ConfigurationExceptionKeepsMessage()
        => Assert.Equal("x", new OtlpBroadcast.Configuration.OtlpConfigurationException("x").Message);
}

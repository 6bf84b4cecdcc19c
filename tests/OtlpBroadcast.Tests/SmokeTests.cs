namespace OtlpBroadcast.Tests;

public class SmokeTests
{
    [Fact]
    public void ConfigurationExceptionKeepsMessage()
        => Assert.Equal("x", new Configuration.OtlpConfigurationException("x").Message);
}

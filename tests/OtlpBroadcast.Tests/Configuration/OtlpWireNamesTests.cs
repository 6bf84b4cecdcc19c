using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Tests.Configuration;

public class OtlpWireNamesTests
{
    [Theory]
    [InlineData(OtlpProtocol.HttpJson, "http/json")]
    [InlineData(OtlpProtocol.HttpProtobuf, "http/protobuf")]
    [InlineData(OtlpProtocol.Grpc, "grpc")]
    public void AProtocolIsNamedAsOpenTelemetrySpellsItAndReadBackInAnyCase(OtlpProtocol protocol, string name)
    {
        Assert.Equal(name, OtlpWireNames.Of(protocol));
        Assert.True(OtlpWireNames.TryParse(name.ToUpperInvariant(), out OtlpProtocol read));
        Assert.Equal(protocol, read);
    }

    [Theory]
    [InlineData(OtlpCompression.None, "none")]
    [InlineData(OtlpCompression.Gzip, "gzip")]
    public void ACompressionIsNamedAsOpenTelemetrySpellsItAndReadBackInAnyCase(OtlpCompression compression, string name)
    {
        Assert.Equal(name, OtlpWireNames.Of(compression));
        Assert.True(OtlpWireNames.TryParse(name.ToUpperInvariant(), out OtlpCompression read));
        Assert.Equal(compression, read);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("http")]
    [InlineData("HttpProtobuf")]
    [InlineData(" http/json")]
    public void AnythingElseIsNotAProtocol(string? text) => Assert.False(OtlpWireNames.TryParse(text, out OtlpProtocol _));

    [Theory]
    [InlineData(null)]
    [InlineData("zstd")]
    [InlineData("Gzip ")]
    public void AnythingElseIsNotACompression(string? text) => Assert.False(OtlpWireNames.TryParse(text, out OtlpCompression _));
}

using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

public class OtlpDestinationTests
{
    private const string Secret = "secret-canary-91b2";

    [Fact]
    public void CreatesADestinationWithTheSpecificationDefaults()
    {
        OtlpDestination destination = OtlpDestination.Create("axiom", "https://api.axiom.co/v1/traces", $"{{\"Authorization\":\"Bearer {Secret}\"}}");

        Assert.Equal(new Uri("https://api.axiom.co/v1/traces"), destination.Endpoint);
        Assert.Equal(2048, destination.MaxQueueSize);
        Assert.Equal(512, destination.MaxExportBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(5), destination.ScheduledDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), destination.ExportTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), destination.Timeout);
        Assert.Equal(OtlpCompression.None, destination.Compression);
        Assert.True(destination.MaxBatchBytes < 4 * 1024 * 1024);
        Assert.True(destination.Enabled);
        Assert.False(destination.PrivacyMode);
    }

    [Theory]
    [InlineData(null, "The endpoint is missing")]
    [InlineData("", "The endpoint is missing")]
    [InlineData("api.axiom.co/v1/traces", "not an absolute URL")]
    [InlineData("ftp://collector/v1/traces", "must use http or https, not 'ftp'")]
    [InlineData("grpc://collector:4317", "must use http or https")]
    [InlineData("http://user:pass@127.0.0.1:4318/v1/traces", "must not carry credentials in the URL")]
    [InlineData("http://127.0.0.1:4318/v1/traces#x", "must not have a fragment")]
    [InlineData("http://", "not an absolute URL")]
    // .NET 10's Uri.TryCreate throws IndexOutOfRangeException for this one instead of returning false.
    [InlineData("file://\u202e\\a:58714/v1/traces", "not an absolute URL")]
    [InlineData("https://8\u2029/v1/traces", "host contains white space or invisible characters")]
    [InlineData("https://\uFFFD:4318/v1/traces", "host is not a valid internationalized domain name")]
    public void RefusesBadEndpoints(string? endpoint, string expected)
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create("d", endpoint!));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesCredentialsOverPlainHttpToARemoteHost()
    {
        var error = Assert.Throws<OtlpConfigurationException>(
            () => OtlpDestination.Create("remote", "http://collector.example.com:4318/v1/traces", $"{{\"Authorization\":\"Bearer {Secret}\"}}"));
        Assert.Contains("over plain http to collector.example.com", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4318/v1/traces")]
    [InlineData("http://localhost:4318/v1/traces")]
    [InlineData("http://[::1]:4318/v1/traces")]
    [InlineData("https://collector.example.com/v1/traces")]
    public void AllowsCredentialsOverHttpsOrToLoopback(string endpoint)
        => Assert.Equal(1, OtlpDestination.Create("d", endpoint, "{\"Authorization\":\"Bearer x\"}").Headers.Count);

    [Fact]
    public void AllowsPlainHttpCredentialsWhenExplicitlyAllowed()
    {
        var options = new OtlpDestinationOptions
        {
            Name = "lan",
            Endpoint = "http://collector.example.com:4318/v1/traces",
            HeadersJson = "{\"Authorization\":\"Bearer x\"}",
            AllowInsecureCredentials = true,
        };
        Assert.Equal(1, OtlpDestination.Create(options).Headers.Count);
    }

    [Fact]
    public void PlainHttpWithoutHeadersIsFine()
        => Assert.Equal("http", OtlpDestination.Create("d", "http://collector.example.com:4318/v1/traces").Endpoint.Scheme);

    [Fact]
    public void CombinesJsonHeadersWithPairsAndRefusesDuplicates()
    {
        var options = new OtlpDestinationOptions { Endpoint = "https://h/v1/traces", HeadersJson = "{\"A\":\"1\"}" };
        options.Headers["B"] = "2";
        Assert.Equal(["A", "B"], OtlpDestination.Create(options).Headers.Names);

        options.Headers["a"] = "3";
        Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create(options));
    }

    [Fact]
    public void RefusesGrpcWithAClearMessage()
    {
        var error = Assert.Throws<OtlpConfigurationException>(
            () => OtlpDestination.Create(new OtlpDestinationOptions { Endpoint = "https://h/v1/traces", Protocol = OtlpProtocol.Grpc }));
        Assert.Contains("grpc is not supported; use http/json or http/protobuf", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson, SpanEncoding.Json)]
    [InlineData(OtlpProtocol.HttpProtobuf, SpanEncoding.Protobuf)]
    public void TheProtocolDecidesTheEncodingPerDestination(OtlpProtocol protocol, SpanEncoding expected)
    {
        OtlpDestination destination = OtlpDestination.Create(new OtlpDestinationOptions { Endpoint = "https://h/v1/traces", Protocol = protocol });
        Assert.Equal(protocol, destination.Protocol);
        Assert.Equal(expected, destination.Encoding);
    }

    [Theory]
    [InlineData("MaxQueueSize", 0)]
    [InlineData("MaxExportBatchSize", 0)]
    [InlineData("MaxBatchBytes", 100)]
    [InlineData("MaxAttempts", 0)]
    public void RefusesOutOfRangeNumbers(string setting, int value)
    {
        var options = new OtlpDestinationOptions { Name = "n", Endpoint = "https://h/v1/traces" };
        switch (setting)
        {
            case "MaxQueueSize": options.MaxQueueSize = value; break;
            case "MaxExportBatchSize": options.MaxExportBatchSize = value; break;
            case "MaxBatchBytes": options.MaxBatchBytes = value; break;
            default: options.MaxAttempts = value; break;
        }

        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create(options));
        Assert.Contains($"Destination 'n': {setting} must be between", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesNonPositiveTimeouts()
    {
        var error = Assert.Throws<OtlpConfigurationException>(
            () => OtlpDestination.Create(new OtlpDestinationOptions { Endpoint = "https://h/v1/traces", Timeout = TimeSpan.Zero }));
        Assert.Contains("Timeout must be more than zero", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchSizeIsClampedToTheQueueSize()
        => Assert.Equal(100, OtlpDestination.Create(new OtlpDestinationOptions { Endpoint = "https://h/v1/traces", MaxQueueSize = 100 }).MaxExportBatchSize);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\nb")]
    public void RefusesBadNames(string name)
        => Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create(name, "https://h/v1/traces"));

    [Fact]
    public void ToStringShowsHeaderNamesButNeverValues()
    {
        OtlpDestination destination = OtlpDestination.Create("axiom", "https://api.axiom.co/v1/traces", $"{{\"Authorization\":\"Bearer {Secret}\"}}", privacyMode: true);
        string text = destination.ToString();
        Assert.Equal("axiom -> https://api.axiom.co/v1/traces (http/json; headers: Authorization: ***; privacy mode: on; enabled)", text);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyInTheEndpointsQueryIsNeitherShownNorListed()
    {
        // Some backends take their key in the URL; ToString, a listing and its ToString show that a query is there.
        OtlpDestination destination = OtlpDestination.Create("q", "https://collector.example.com/v1/traces?api_key=" + Secret);
        Assert.Equal("q -> https://collector.example.com/v1/traces?… (http/json; headers: (none); privacy mode: off; enabled)", destination.ToString());

        await using var registry = new DestinationRegistry();
        await registry.AddAsync(destination);
        DestinationInfo info = Assert.Single(registry.List());
        Assert.Equal("https://collector.example.com/v1/traces?…", info.DisplayEndpoint);
        Assert.DoesNotContain(Secret, info.ToString(), StringComparison.Ordinal);
        Assert.Contains("Endpoint = https://collector.example.com/v1/traces?…", info.ToString(), StringComparison.Ordinal);

        // The URL itself is still the whole one: it is where spans go.
        Assert.Contains(Secret, info.Endpoint.Query, StringComparison.Ordinal);
    }
}

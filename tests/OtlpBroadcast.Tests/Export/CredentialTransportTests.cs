using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// TLS is required as soon as a destination has any header, whatever its name: the SDK cannot tell a credential
/// (<c>x-honeycomb-team</c>, a custom key header) from a harmless one, so every header counts. Plain http is allowed
/// to loopback, and elsewhere only with <see cref="OtlpDestinationOptions.AllowInsecureCredentials"/>.
/// </summary>
public class CredentialTransportTests
{
    [Theory]
    [InlineData("Authorization", "Bearer x")]
    [InlineData("X-Api-Key", "x")]
    [InlineData("x-honeycomb-team", "x")]
    [InlineData("X-Axiom-Dataset", "not-a-secret")]
    [InlineData("X-Custom", "anything")]
    public void AnyHeaderOverPlainHttpToARemoteHostIsRefused(string name, string value)
    {
        var options = new OtlpDestinationOptions { Name = "remote", Endpoint = "http://collector.example.com:4318/v1/traces" };
        options.Headers[name] = value;

        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create(options));
        Assert.Equal(
            "Destination 'remote' would send headers (credentials) over plain http to collector.example.com; use https, or set AllowInsecureCredentials if this is intended.",
            error.Message);

        options.AllowInsecureCredentials = true;
        Assert.Equal(1, OtlpDestination.Create(options).Headers.Count);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4318/v1/traces", true)]
    [InlineData("http://127.0.0.2:4318/v1/traces", true)]
    [InlineData("http://localhost:4318/v1/traces", true)]
    [InlineData("http://[::1]:4318/v1/traces", true)]
    [InlineData("https://collector.example.com/v1/traces", true)]
    [InlineData("http://10.0.0.5:4318/v1/traces", false)]
    [InlineData("http://localhost.example.com:4318/v1/traces", false)]
    [InlineData("http://collector:4318/v1/traces", false)]
    public void PlainHttpWithHeadersIsAllowedToLoopbackOnly(string endpoint, bool allowed)
    {
        Func<OtlpDestination> create = () => OtlpDestination.Create("d", endpoint, """{"X-Team":"a"}""");
        if (allowed)
        {
            Assert.Equal(1, create().Headers.Count);
        }
        else
        {
            Assert.Contains("over plain http", Assert.Throws<OtlpConfigurationException>(create).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HeadersFromTheEnvironmentAndFromPresetsFollowTheSameRule()
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector.example.com:4318",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-api-key=abc",
        };
        Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.FromEnvironment("env", name => environment.GetValueOrDefault(name)));
        Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create(OtlpPresets.Collector("http://collector.example.com:4318", """{"x-api-key":"abc"}""")));
        Assert.Equal("http", OtlpDestination.Create(OtlpPresets.Jaeger("collector.example.com")).Endpoint.Scheme);
    }
}

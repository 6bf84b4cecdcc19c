using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Tests.Configuration;

public class OtlpEnvironmentSettingsTests
{
    [Fact]
    public void ToStringShowsHeaderNamesButNotValues()
    {
        OtlpEnvironmentSettings settings = OtlpEnvironment.Read(name => name switch
        {
            "OTEL_EXPORTER_OTLP_HEADERS" => "Authorization=Bearer%20SecretTokenValue,x-api-key=OtherSecretValue",
            _ => null,
        });

        string text = settings.ToString();

        Assert.Contains("Authorization", text, StringComparison.Ordinal);
        Assert.Contains("x-api-key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SecretTokenValue", text, StringComparison.Ordinal);
        Assert.DoesNotContain("OtherSecretValue", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringHidesEndpointCredentialsAndQuery()
    {
        var settings = new OtlpEnvironmentSettings
        {
            TracesEndpoint = new Uri("https://user:Pa55w0rdXyz@collector:4318/v1/traces?key=K3yK3yK3y"),
        };

        string text = settings.ToString();

        Assert.Contains("https://collector:4318/v1/traces", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Pa55w0rdXyz", text, StringComparison.Ordinal);
        Assert.DoesNotContain("K3yK3yK3y", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringShowsResourceAttributeKeysButNotValues()
    {
        var settings = new OtlpEnvironmentSettings
        {
            ResourceAttributes = [new("team", "HiddenAttributeValue")],
        };

        string text = settings.ToString();

        Assert.Contains("team", text, StringComparison.Ordinal);
        Assert.DoesNotContain("HiddenAttributeValue", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringShowsPlainSettings()
    {
        var settings = new OtlpEnvironmentSettings
        {
            Timeout = TimeSpan.FromMilliseconds(2500),
            Compression = OtlpCompression.Gzip,
            ServiceName = "checkout",
            MaxQueueSize = 4096,
        };

        string text = settings.ToString();

        Assert.Contains("Timeout = 2500 ms", text, StringComparison.Ordinal);
        Assert.Contains("Compression = Gzip", text, StringComparison.Ordinal);
        Assert.Contains("ServiceName = checkout", text, StringComparison.Ordinal);
        Assert.Contains("MaxQueueSize = 4096", text, StringComparison.Ordinal);
        Assert.Contains("Protocol = (not set)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ListsAreCopiedSoTheCallerCannotChangeThemLater()
    {
        var headers = new List<KeyValuePair<string, string>> { new("a", "1") };
        var settings = new OtlpEnvironmentSettings { Headers = headers };

        headers.Add(new("b", "2"));

        Assert.Single(settings.Headers);
        Assert.False(settings.Headers is IList<KeyValuePair<string, string>> { IsReadOnly: false });
    }

    [Fact]
    public void NullListIsRejected() =>
        Assert.Throws<ArgumentNullException>(() => new OtlpEnvironmentSettings { Headers = null! });
}

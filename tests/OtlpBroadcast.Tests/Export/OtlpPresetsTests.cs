using System.Text;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// Each preset's request as a backend receives it: the endpoint is moved to a loopback receiver, keeping the preset's
/// path and headers, and the path and every header are compared exactly (values only inside assertions that print
/// nothing of them).
/// </summary>
public class OtlpPresetsTests
{
    private const string Token = "xaat-c4n4ry-preset-7e6d5c4b";
    private const string PublicKey = "pk-lf-c4n4ry-1111";
    private const string SecretKey = "sk-lf-c4n4ry-2222";

    [Fact]
    public void PresetsFillTheDocumentedEndpoints()
    {
        Assert.Equal("https://api.axiom.co/v1/traces", OtlpPresets.Axiom(Token, "ds").Endpoint);
        Assert.Equal("https://api.honeycomb.io/v1/traces", OtlpPresets.Honeycomb(Token).Endpoint);
        Assert.Equal(
            "https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/traces",
            OtlpPresets.GrafanaCloud("https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/", "123456", Token).Endpoint);
        Assert.Equal("https://cloud.langfuse.com/api/public/otel/v1/traces", OtlpPresets.Langfuse(PublicKey, SecretKey).Endpoint);
        Assert.Equal(
            "https://langfuse.example.com/api/public/otel/v1/traces",
            OtlpPresets.Langfuse(PublicKey, SecretKey, "https://langfuse.example.com/").Endpoint);
        Assert.Equal("http://localhost:4318/v1/traces", OtlpPresets.Jaeger().Endpoint);
        Assert.Equal("http://jaeger.internal:14318/v1/traces", OtlpPresets.Jaeger("jaeger.internal", 14318).Endpoint);
        Assert.Equal("http://otel-collector:4318/v1/traces", OtlpPresets.Collector("http://otel-collector:4318").Endpoint);
        Assert.Equal("http://otel-collector:4318/v1/traces", OtlpPresets.Collector("http://otel-collector:4318/v1/traces").Endpoint);
    }

    [Fact]
    public async Task AxiomSendsBearerTokenAndDataset()
    {
        ReceivedRequest request = await SendThrough(OtlpPresets.Axiom(Token, "llm-traces"));
        Assert.Equal("/v1/traces", request.Path);
        AssertHeaders(request, ("Authorization", "Bearer " + Token), ("X-Axiom-Dataset", "llm-traces"));
    }

    [Fact]
    public async Task HoneycombSendsTheTeamKeyAndNoDatasetForEnvironments()
    {
        ReceivedRequest request = await SendThrough(OtlpPresets.Honeycomb(Token));
        Assert.Equal("/v1/traces", request.Path);
        AssertHeaders(request, ("x-honeycomb-team", Token));
    }

    [Fact]
    public async Task HoneycombClassicAlsoSendsTheDataset()
    {
        ReceivedRequest request = await SendThrough(OtlpPresets.Honeycomb(Token, classicDataset: "gateway"));
        AssertHeaders(request, ("x-honeycomb-team", Token), ("x-honeycomb-dataset", "gateway"));
    }

    [Fact]
    public async Task GrafanaCloudSendsBasicInstanceIdAndToken()
    {
        ReceivedRequest request = await SendThrough(
            OtlpPresets.GrafanaCloud("https://otlp-gateway-prod-us-east-0.grafana.net/otlp", "987654", Token));
        Assert.Equal("/otlp/v1/traces", request.Path);
        AssertHeaders(request, ("Authorization", "Basic " + Base64("987654:" + Token)));
    }

    [Fact]
    public async Task LangfuseSendsBasicPublicAndSecretKeyToItsOtelPath()
    {
        ReceivedRequest request = await SendThrough(OtlpPresets.Langfuse(PublicKey, SecretKey, "https://langfuse.example.com"));
        Assert.Equal("/api/public/otel/v1/traces", request.Path);
        AssertHeaders(request, ("Authorization", "Basic " + Base64(PublicKey + ":" + SecretKey)), ("x-langfuse-ingestion-version", "4"));
    }

    [Fact]
    public async Task JaegerSendsNoHeaders()
    {
        ReceivedRequest request = await SendThrough(OtlpPresets.Jaeger());
        Assert.Equal("/v1/traces", request.Path);
        AssertHeaders(request);
        Assert.Equal(200, request.StatusCode);
    }

    [Fact]
    public async Task CollectorSendsTheGivenHeaders()
    {
        ReceivedRequest request = await SendThrough(OtlpPresets.Collector("http://collector:4318", $$"""{"X-Api-Key":"{{Token}}"}"""));
        Assert.Equal("/v1/traces", request.Path);
        AssertHeaders(request, ("X-Api-Key", Token));
    }

    [Fact]
    public void MissingCredentialsAreConfigurationErrorsThatQuoteNoOtherArgument()
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpPresets.Langfuse(PublicKey, " "));
        Assert.Contains("secretKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PublicKey, error.Message, StringComparison.Ordinal);
        Assert.Throws<OtlpConfigurationException>(() => OtlpPresets.Axiom(Token, ""));
        Assert.Throws<OtlpConfigurationException>(() => OtlpPresets.Jaeger(port: 0));
    }

    [Fact]
    public void PresetDestinationsNeverShowTheirSecrets()
    {
        OtlpDestination destination = OtlpDestination.Create(OtlpPresets.Langfuse(PublicKey, SecretKey));
        string text = destination.ToString();
        Assert.DoesNotContain(SecretKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Base64(PublicKey + ":" + SecretKey), text, StringComparison.Ordinal);
    }

    /// <summary>Sends a connection test through the preset, aimed at a receiver at the preset's path.</summary>
    private static async Task<ReceivedRequest> SendThrough(OtlpDestinationOptions preset)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var path = new Uri(preset.Endpoint!).AbsolutePath;
        preset.Endpoint = new Uri(receiver.BaseAddress, path.TrimStart('/')).AbsoluteUri;
        await ConnectionTester.TestAsync(OtlpDestination.Create(preset), Services);
        return Assert.Single(await receiver.WaitForRequestsAsync(1, Patience));
    }

    /// <summary>The request carries exactly these headers besides the transport's own; values are compared without
    /// being printed.</summary>
    private static void AssertHeaders(ReceivedRequest request, params (string Name, string Value)[] expected)
    {
        string[] transport = ["Host", "Content-Type", "Content-Length", "User-Agent", "Accept-Encoding", "Connection", "traceparent", "tracestate"];
        var sent = request.Headers.Keys.Where(k => !transport.Contains(k, StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.OrdinalIgnoreCase).ToArray();
        Assert.Equal(expected.Select(e => e.Name).Order(StringComparer.OrdinalIgnoreCase), sent, StringComparer.OrdinalIgnoreCase);
        foreach ((string name, string value) in expected)
        {
            Assert.True(string.Equals(request.Headers[name], value, StringComparison.Ordinal), $"header {name} has not the expected value");
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}

using System.Net;
using System.Net.Sockets;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using static OtlpBroadcast.IntegrationTests.RealBackendKit;

namespace OtlpBroadcast.IntegrationTests;

/// <summary>The connection test, and saving only on success, against the real backend's authentication.</summary>
[Collection(AspireCollection.Name)]
public class RealBackendConnectionTests(AspireFixture fixture)
{
    private AspireDashboard Dashboard => fixture.Dashboard;

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task TheRightKeyPassesAndTheDestinationIsSaved(OtlpProtocol protocol)
    {
        await using var registry = new DestinationRegistry(Services);

        DestinationSaveResult result = await registry.SaveAsync(OtlpDestination.Create(Options(Dashboard, protocol)));

        Assert.True(result.Saved, result.Reason);
        Assert.True(result.Test.Success, result.Test.ToString());
        Assert.Equal(HttpStatusCode.OK, result.Test.StatusCode);
        Assert.Single(registry.List());
        StoredSpan span = Assert.Single(await Dashboard.WaitForTraceAsync(result.Test.TraceId.ToString(), 1));
        Assert.Equal(ConnectionTester.SpanName, span.Name);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson, "wrong-key")]
    [InlineData(OtlpProtocol.HttpJson, null)]
    [InlineData(OtlpProtocol.HttpProtobuf, "wrong-key")]
    [InlineData(OtlpProtocol.HttpProtobuf, null)]
    public async Task AWrongOrMissingKeyFailsNamingThe401AndNothingIsSaved(OtlpProtocol protocol, string? key)
    {
        await using var registry = new DestinationRegistry(Services);
        OtlpDestinationOptions options = Options(Dashboard, protocol, key: key ?? "unused");
        if (key is null)
        {
            options.Headers.Clear();
        }

        DestinationSaveResult result = await registry.SaveAsync(OtlpDestination.Create(options));

        Assert.False(result.Saved);
        Assert.False(result.Test.Success);
        Assert.Equal(HttpStatusCode.Unauthorized, result.Test.StatusCode);
        Assert.Contains("HTTP 401", result.Reason, StringComparison.Ordinal);
        Assert.Contains("refused the credentials", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Dashboard.OtlpApiKey, result.Reason, StringComparison.Ordinal);
        Assert.Empty(registry.List());
        Assert.Empty(await Dashboard.GetTraceAsync(result.Test.TraceId.ToString()));
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task AWrongPathFailsClearly(OtlpProtocol protocol)
    {
        OtlpDestinationOptions options = Options(Dashboard, protocol);
        options.Endpoint = new Uri(Dashboard.TracesEndpoint, "/v1/trace").AbsoluteUri;

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(options), Services);

        // Aspire answers 403 for a path its OTLP listener does not serve (other backends 404): either way the
        // message names the status and points at the URL.
        Assert.False(result.Success);
        Assert.Contains(result.StatusCode, new HttpStatusCode?[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });
        Assert.Contains($"HTTP {(int)result.StatusCode!}", result.ToString(), StringComparison.Ordinal);
        Assert.Contains("/v1/traces", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task AWrongPortFailsClearly(OtlpProtocol protocol)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        OtlpDestinationOptions options = Options(Dashboard, protocol);
        options.Endpoint = $"http://127.0.0.1:{closedPort}/v1/traces";

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(options), Services);

        Assert.False(result.Success);
        Assert.Null(result.StatusCode);
        Assert.Contains("connection refused", result.Message, StringComparison.Ordinal);
    }
}

using System.Net;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>The connection test a settings page runs, against a real receiver.</summary>
public class ConnectionTesterTests
{
    private const string RightSecret = "Bearer right-c4n4ry-6f1e2d3c4b5a";
    private const string WrongSecret = "Bearer wrong-c4n4ry-0a9b8c7d6e5f";

    [Fact]
    public async Task PassesAgainstAReceiverWithOneConnectionTestSpan()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestination destination = OtlpDestination.Create(Options(receiver, "my-collector"));

        ConnectionTestResult result = await ConnectionTester.TestAsync(destination, Services);

        Assert.True(result.Success, result.ToString());
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.StartsWith("ok: HTTP 200 (OK)", result.ToString(), StringComparison.Ordinal);
        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.Null(request.DecodeError);
        Assert.StartsWith("OtlpBroadcast/", request.Headers["User-Agent"], StringComparison.Ordinal);
        ReceivedSpan span = Assert.Single(receiver.Spans);
        Assert.Equal("connection-test", span.Name);
        Assert.Equal(1, span.Kind);
        Assert.Equal(1, span.StatusCode);
        Assert.Null(span.ParentSpanId);
        Assert.Equal(result.TraceId.ToString(), span.TraceId);
        Assert.Equal("my-collector", span["otlpbroadcast.destination"].AsString());
        Assert.Equal("exptests-service", span.Resource["service.name"].AsString());
        Assert.Equal("OtlpBroadcast", span.ScopeName);
    }

    [Fact]
    public async Task TheRightCredentialsPass()
    {
        await using OtlpTestReceiver receiver = await StartWithRequiredAuthorization();
        OtlpDestinationOptions options = Options(receiver);
        options.Headers["Authorization"] = RightSecret;

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(options), Services);

        AssertNoSecrets(result);
        Assert.True(result.Success, result.ToString());
        Assert.Single(receiver.Spans);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WrongOrMissingCredentialsFailWith401AndAMessageAboutTheCredentials(bool sendWrongHeader)
    {
        await using OtlpTestReceiver receiver = await StartWithRequiredAuthorization();
        OtlpDestinationOptions options = Options(receiver);
        if (sendWrongHeader)
        {
            options.Headers["Authorization"] = WrongSecret;
        }

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(options), Services);

        AssertNoSecrets(result);
        Assert.False(result.Success);
        Assert.Equal(HttpStatusCode.Unauthorized, result.StatusCode);
        Assert.Contains("refused the credentials; check the headers", result.Message, StringComparison.Ordinal);
        Assert.Contains("check the headers", result.Message, StringComparison.Ordinal);
        Assert.StartsWith("failed: HTTP 401 (Unauthorized)", result.ToString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task AWrongPathFailsWithAMessageAboutThePath()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestination destination = OtlpDestination.Create(Options(new Uri(receiver.BaseAddress, "v1/trace")));

        ConnectionTestResult result = await ConnectionTester.TestAsync(destination, Services);

        Assert.False(result.Success);
        Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
        Assert.Contains("nothing answers OTLP at this path (404)", result.Message, StringComparison.Ordinal);
        Assert.Contains("/v1/traces", result.Message, StringComparison.Ordinal);
        Assert.Equal("/v1/trace", Assert.Single(receiver.Requests).Path);
    }

    [Theory]
    [InlineData(301, "https://joe:pa55-c4n4ry@otlp.example.com:4318/v1/traces?api_key=query-c4n4ry", " to https://otlp.example.com:4318;")]
    [InlineData(308, "https://otlp.example.com/v1/traces", " to https://otlp.example.com;")]
    [InlineData(307, "/v1/traces?api_key=query-c4n4ry", ";")]
    public async Task ARedirectFailsWithAHintToUseTheFinalUrl(int status, string location, string target)
    {
        // http to https, or a path the backend moves elsewhere: not followed (the credentials must not go to another
        // place), so the hint names the status and the place, but never the Location's path, query or user.
        var receiverOptions = new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { StatusCode = status, Headers = new Dictionary<string, string> { ["Location"] = location } },
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(receiverOptions);

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(Options(receiver)), Services);

        Assert.False(result.Success);
        Assert.Equal(status, (int?)result.StatusCode);
        Assert.StartsWith($"the backend redirects ({status}){target} redirects are not followed", result.Message, StringComparison.Ordinal);
        Assert.Contains("use the final URL as the endpoint", result.Message, StringComparison.Ordinal);
        foreach (string hidden in new[] { "c4n4ry", "joe", "/v1/traces" })
        {
            Assert.DoesNotContain(hidden, result.ToString(), StringComparison.Ordinal);
        }

        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task ConnectionRefusedFailsSayingSo()
    {
        OtlpDestinationOptions options = Options(ClosedEndpoint());
        options.Headers["Authorization"] = RightSecret;

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(options), Services);

        AssertNoSecrets(result);
        Assert.False(result.Success);
        Assert.Null(result.StatusCode);
        Assert.Equal("connection refused", result.Message);
        Assert.StartsWith("failed: no response: connection refused", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARejectedSpanFailsTheTest()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.PartialSuccess(1, "span dropped by policy") };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(Options(receiver)), Services);

        Assert.False(result.Success);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("the backend rejected 1 span(s): span dropped by policy", result.Message);
    }

    private static Task<OtlpTestReceiver> StartWithRequiredAuthorization()
        => OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = new Dictionary<string, string> { ["Authorization"] = RightSecret },
        });

    private static void AssertNoSecrets(ConnectionTestResult result)
    {
        foreach (string secret in new[] { RightSecret, WrongSecret, "right-c4n4ry", "wrong-c4n4ry" })
        {
            AssertNoSecret(result.Message, secret, "the result's message");
            AssertNoSecret(result.ToString(), secret, "the result's ToString");
        }
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Testing;
using static Gateway.Tests.GatewayTests;

namespace Gateway.Tests;

/// <summary>The admin API under the network policy: off by default, refusing users' local destinations when on.</summary>
public sealed class NetworkPolicyTests
{
    private const string Secret = "gw-policy-canary-7d1c";
    private const string PolicyOn = "OtlpBroadcast:NetworkPolicy:RequirePublicAddresses";

    [Theory]
    [InlineData("http://127.0.0.1:4318/v1/traces", "a loopback address")]
    [InlineData("http://localhost:4318/v1/traces", "a loopback address")]
    [InlineData("https://[::ffff:10.0.0.1]/v1/traces", "a private address")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "a cloud metadata service address")]
    public async Task UnderThePolicyTheAdminApiRefusesLocalDestinationsBeforeSendingAnything(string endpoint, string kind)
    {
        (WebApplication app, HttpClient client) = await StartAsync((PolicyOn, "true"));
        await using (app)
        using (client)
        {
            string form = $$$"""{"name":"tenant","endpoint":"{{{endpoint}}}","headers":{"x-api-key":"{{{Secret}}}"}}""";
            using HttpResponseMessage reply = await client.PostAsync("/admin/destinations", new StringContent(form, Encoding.UTF8, "application/json"));
            string body = await reply.Content.ReadAsStringAsync();

            Assert.False(body.Contains(Secret, StringComparison.Ordinal), "the refusal echoes the secret");
            Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
            string error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
            Assert.StartsWith($"Destination 'tenant' is refused: the endpoint's host is {kind}", error, StringComparison.Ordinal);

            // Nor did the gateway fall back to the embedded receiver on loopback.
            Assert.Equal("[]", await client.GetStringAsync("/admin/destinations"));
        }
    }

    [Fact]
    public async Task AnAllowedHostIsSavedUnderThePolicy()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication app, HttpClient client) = await StartAsync((PolicyOn, "true"), ("OtlpBroadcast:NetworkPolicy:AllowedHosts:0", "127.0.0.1"));
        await using (app)
        using (client)
        {
            string form = $$"""{"name":"own-collector","endpoint":"{{receiver.TracesEndpoint}}"}""";
            using HttpResponseMessage reply = await client.PostAsync("/admin/destinations", new StringContent(form, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
            Assert.Single(receiver.Requests);
        }
    }

    [Fact]
    public async Task AMistypedSettingStopsTheGatewayInsteadOfLeavingItOpen()
    {
        var error = await Assert.ThrowsAsync<OtlpConfigurationException>(() => GatewayApp.BuildAsync([], builder =>
            builder.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>(PolicyOn, "yes")]), TextWriter.Null));
        Assert.Equal("OtlpBroadcast:NetworkPolicy:RequirePublicAddresses must be true or false.", error.Message);
    }

    [Fact]
    public void ThePolicyIsOffByDefault()
        => Assert.False(GatewayApp.NetworkPolicy(new ConfigurationBuilder().Build()).RequirePublicAddresses);
}

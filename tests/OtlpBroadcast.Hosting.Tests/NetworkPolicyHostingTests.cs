using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Hosting.Tests.HostingTests;

namespace OtlpBroadcast.Hosting.Tests;

/// <summary>The network policy through hosting: bound from configuration, checked at start-up, enforced by the
/// <c>IHttpClientFactory</c> client when it connects; off by default.</summary>
public class NetworkPolicyHostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ThePolicyBindsFromConfigurationAndReachesTheExporterServices()
    {
        string json = """
        { "OtlpBroadcast": { "NetworkPolicy": { "RequirePublicAddresses": true, "AllowedHosts": [ "collector.internal" ] } } }
        """;
        IConfiguration configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddOtlpBroadcast(configuration.GetSection("OtlpBroadcast"));
        await using ServiceProvider provider = services.BuildServiceProvider();

        DestinationNetworkPolicy policy = provider.GetRequiredService<ExporterServices>().NetworkPolicy;
        Assert.Same(provider.GetRequiredService<DestinationNetworkPolicy>(), policy);
        Assert.True(policy.RequirePublicAddresses);
        Assert.Equal(["collector.internal"], policy.AllowedHosts);
    }

    [Fact]
    public async Task ByDefaultNothingIsRefused()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using IHost host = BuildHost(o => o.Destinations.Add(new OtlpBroadcastDestinationOptions { Name = "local", Endpoint = receiver.TracesEndpoint.AbsoluteUri }));
        await host.StartAsync();

        Assert.False(host.Services.GetRequiredService<ExporterServices>().NetworkPolicy.RequirePublicAddresses);
        OtlpDestination destination = host.Services.GetRequiredService<DestinationRegistry>().Find("local")!;
        ConnectionTestResult test = await ConnectionTester.TestAsync(destination, host.Services.GetRequiredService<ExporterServices>());
        Assert.True(test.Success, test.ToString());
        await host.StopAsync();
    }

    [Fact]
    public async Task AConfiguredLoopbackDestinationFailsStartUnderThePolicy()
    {
        using IHost host = BuildHost(o =>
        {
            o.NetworkPolicy.RequirePublicAddresses = true;
            o.Destinations.Add(new OtlpBroadcastDestinationOptions { Name = "local", Endpoint = "http://127.0.0.1:4318/v1/traces" });
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Destination 'local' is refused: the endpoint's host is a loopback address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFactoryClientRefusesANameThatResolvesToLoopbackWhenItConnects()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        // A policy registered before AddOtlpBroadcast replaces the configured one (here, for its resolver).
        builder.Services.AddSingleton(new DestinationNetworkPolicy
        {
            RequirePublicAddresses = true,
            Resolver = (_, _) => Task.FromResult(new[] { IPAddress.Loopback }),
        });
        builder.Services.AddOtlpBroadcast();
        using IHost host = builder.Build();
        await host.StartAsync();

        var registry = host.Services.GetRequiredService<DestinationRegistry>();
        Uri tenant = new UriBuilder(receiver.TracesEndpoint) { Host = "tenant.example" }.Uri;
        DestinationSaveResult save = await registry.SaveAsync(OtlpDestination.Create("tenant", tenant.AbsoluteUri));

        Assert.False(save.Saved);
        Assert.Contains("the network policy refuses tenant.example: it resolves to a loopback address", save.Reason, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
        await host.StopAsync();
    }
}

using System.Net;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// The opt-in network policy of multi-tenant gateways: the address classifier, the check when a destination is
/// configured, the check at connect time (a name that resolves to loopback is refused although nothing about it
/// looked local when it was saved), and the default, which refuses nothing.
/// </summary>
public class NetworkPolicyTests
{
    [Theory]
    // IPv4: public, and the edges of every range.
    [InlineData("8.8.8.8", NetworkAddressKind.Public)]
    [InlineData("93.184.216.34", NetworkAddressKind.Public)]
    [InlineData("0.0.0.0", NetworkAddressKind.Unspecified)]
    [InlineData("0.1.2.3", NetworkAddressKind.Unspecified)]
    [InlineData("127.0.0.1", NetworkAddressKind.Loopback)]
    [InlineData("127.255.255.254", NetworkAddressKind.Loopback)]
    [InlineData("10.0.0.0", NetworkAddressKind.Private)]
    [InlineData("10.255.255.255", NetworkAddressKind.Private)]
    [InlineData("11.0.0.0", NetworkAddressKind.Public)]
    [InlineData("172.15.255.255", NetworkAddressKind.Public)]
    [InlineData("172.16.0.0", NetworkAddressKind.Private)]
    [InlineData("172.31.255.255", NetworkAddressKind.Private)]
    [InlineData("172.32.0.0", NetworkAddressKind.Public)]
    [InlineData("192.168.1.1", NetworkAddressKind.Private)]
    [InlineData("192.169.0.0", NetworkAddressKind.Public)]
    [InlineData("169.254.0.1", NetworkAddressKind.LinkLocal)]
    [InlineData("169.254.169.254", NetworkAddressKind.CloudMetadata)]
    [InlineData("169.254.170.2", NetworkAddressKind.CloudMetadata)]
    [InlineData("100.63.255.255", NetworkAddressKind.Public)]
    [InlineData("100.64.0.0", NetworkAddressKind.SharedAddressSpace)]
    [InlineData("100.127.255.255", NetworkAddressKind.SharedAddressSpace)]
    [InlineData("100.128.0.0", NetworkAddressKind.Public)]
    [InlineData("100.100.100.200", NetworkAddressKind.CloudMetadata)]
    [InlineData("192.0.0.192", NetworkAddressKind.CloudMetadata)]
    [InlineData("168.63.129.16", NetworkAddressKind.CloudMetadata)]
    [InlineData("192.0.0.8", NetworkAddressKind.Reserved)]
    [InlineData("192.0.2.1", NetworkAddressKind.Reserved)]
    [InlineData("198.18.0.1", NetworkAddressKind.Reserved)]
    [InlineData("198.19.255.255", NetworkAddressKind.Reserved)]
    [InlineData("198.20.0.0", NetworkAddressKind.Public)]
    [InlineData("203.0.113.5", NetworkAddressKind.Reserved)]
    [InlineData("224.0.0.1", NetworkAddressKind.Multicast)]
    [InlineData("239.255.255.250", NetworkAddressKind.Multicast)]
    [InlineData("240.0.0.1", NetworkAddressKind.Reserved)]
    [InlineData("255.255.255.255", NetworkAddressKind.Reserved)]
    // IPv6.
    [InlineData("::", NetworkAddressKind.Unspecified)]
    [InlineData("::1", NetworkAddressKind.Loopback)]
    [InlineData("2606:4700:4700::1111", NetworkAddressKind.Public)]
    [InlineData("2a00:1450:4001:81b::200e", NetworkAddressKind.Public)]
    [InlineData("fc00::1", NetworkAddressKind.Private)]
    [InlineData("fd12:3456:789a::1", NetworkAddressKind.Private)]
    [InlineData("fd00:ec2::254", NetworkAddressKind.CloudMetadata)]
    [InlineData("fd00:ec2::23", NetworkAddressKind.CloudMetadata)]
    [InlineData("fe80::1", NetworkAddressKind.LinkLocal)]
    [InlineData("fe80::1%2", NetworkAddressKind.LinkLocal)]
    [InlineData("febf:ffff::1", NetworkAddressKind.LinkLocal)]
    [InlineData("fec0::1", NetworkAddressKind.Private)]
    [InlineData("ff02::1", NetworkAddressKind.Multicast)]
    [InlineData("2001:db8::1", NetworkAddressKind.Reserved)]
    [InlineData("100::1", NetworkAddressKind.Reserved)]
    [InlineData("4000::1", NetworkAddressKind.Reserved)]
    // IPv4 inside IPv6: mapped, translated, compatible, NAT64 and 6to4 spellings take the IPv4 address's kind.
    [InlineData("::ffff:127.0.0.1", NetworkAddressKind.Loopback)]
    [InlineData("::ffff:10.0.0.1", NetworkAddressKind.Private)]
    [InlineData("::ffff:169.254.169.254", NetworkAddressKind.CloudMetadata)]
    [InlineData("::ffff:0.0.0.0", NetworkAddressKind.Unspecified)]
    [InlineData("::ffff:8.8.8.8", NetworkAddressKind.Public)]
    [InlineData("::ffff:0:7f00:1", NetworkAddressKind.Loopback)]
    [InlineData("::127.0.0.1", NetworkAddressKind.Reserved)]
    [InlineData("::8.8.8.8", NetworkAddressKind.Reserved)]
    [InlineData("64:ff9b::7f00:1", NetworkAddressKind.Loopback)]
    [InlineData("64:ff9b::a9fe:a9fe", NetworkAddressKind.CloudMetadata)]
    [InlineData("64:ff9b::808:808", NetworkAddressKind.Public)]
    [InlineData("64:ff9b:1::1", NetworkAddressKind.Private)]
    [InlineData("2002:7f00:1::1", NetworkAddressKind.Loopback)]
    [InlineData("2002:c0a8:101::1", NetworkAddressKind.Private)]
    [InlineData("2002:808:808::1", NetworkAddressKind.Public)]
    public void ClassifiesAddresses(string address, NetworkAddressKind expected)
        => Assert.Equal(expected, NetworkAddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:4318/v1/traces", "loopback")]
    [InlineData("http://127.1/v1/traces", "loopback")]
    [InlineData("http://2130706433/v1/traces", "loopback")]
    [InlineData("http://0x7f000001/v1/traces", "loopback")]
    [InlineData("http://localhost:4318/v1/traces", "loopback")]
    [InlineData("http://LocalHost./v1/traces", "loopback")]
    [InlineData("http://tenant.localhost/v1/traces", "loopback")]
    [InlineData("http://[::1]:4318/v1/traces", "loopback")]
    [InlineData("http://[::ffff:127.0.0.1]/v1/traces", "loopback")]
    [InlineData("http://0.0.0.0:4318/v1/traces", "unspecified")]
    [InlineData("https://10.1.2.3/v1/traces", "private")]
    [InlineData("https://[fd00::5]/v1/traces", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data", "cloud metadata")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data", "cloud metadata")]
    [InlineData("http://100.100.100.200/latest/meta-data", "cloud metadata")]
    [InlineData("http://[fe80::1%25eth0]/v1/traces", "link-local")]
    [InlineData("http://100.64.1.1/v1/traces", "carrier-grade NAT")]
    [InlineData("http://239.1.1.1/v1/traces", "multicast")]
    public void RefusesLocalLiteralsAndLocalhostWhenTheDestinationIsConfigured(string endpoint, string kind)
    {
        OtlpDestination destination = OtlpDestination.Create("tenant", endpoint);
        string? problem = DestinationNetworkPolicy.PublicAddressesOnly.FindProblem(destination.Endpoint);

        Assert.NotNull(problem);
        Assert.Contains(kind, problem, StringComparison.Ordinal);
        Assert.Contains("the network policy allows public addresses only", problem, StringComparison.Ordinal);
        Assert.Null(DestinationNetworkPolicy.Unrestricted.FindProblem(destination.Endpoint));

        var error = Assert.Throws<OtlpConfigurationException>(() => DestinationNetworkPolicy.PublicAddressesOnly.Validate(destination));
        Assert.StartsWith("Destination 'tenant' is refused: the endpoint's host is ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://api.axiom.co/v1/traces")]
    [InlineData("https://8.8.8.8/v1/traces")]
    [InlineData("https://[2606:4700:4700::1111]/v1/traces")]
    [InlineData("https://localhost.example.com/v1/traces")]
    public void LeavesPublicLiteralsAndNamesToTheConnectTimeCheck(string endpoint)
        => Assert.Null(DestinationNetworkPolicy.PublicAddressesOnly.FindProblem(new Uri(endpoint)));

    [Fact]
    public void AllowedHostsAreExemptByNameOrLiteral()
    {
        var policy = new DestinationNetworkPolicy { RequirePublicAddresses = true, AllowedHosts = ["10.1.2.3", "Collector.Internal", "[fd00::7]"] };

        Assert.Null(policy.FindProblem(new Uri("http://10.1.2.3:4318/v1/traces")));
        Assert.Null(policy.FindProblem(new Uri("http://collector.internal:4318/v1/traces")));
        Assert.Null(policy.FindProblem(new Uri("http://[fd00::7]:4318/v1/traces")));
        Assert.NotNull(policy.FindProblem(new Uri("http://10.1.2.4:4318/v1/traces")));
        Assert.Throws<OtlpConfigurationException>(() => new DestinationNetworkPolicy { AllowedHosts = [" "] });
    }

    [Fact]
    public async Task ANameResolvingToLoopbackIsRefusedAtConnectTimeAndCountedAsAFailedExport()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var listener = new RecordingListener();
        var services = new ExporterServices
        {
            Resource = Resource,
            NetworkPolicy = new DestinationNetworkPolicy { RequirePublicAddresses = true, Resolver = ResolveTo(IPAddress.Loopback) },
            Events = listener,
        };
        OtlpDestinationOptions options = Options(TenantEndpoint(receiver), "tenant");

        // Nothing about the name looks local when the destination is configured.
        OtlpDestination destination = OtlpDestination.Create(options);
        Assert.Null(services.NetworkPolicy.FindProblem(destination.Endpoint));

        ConnectionTestResult test = await ConnectionTester.TestAsync(destination, services);
        Assert.False(test.Success);
        Assert.Null(test.StatusCode);
        Assert.Equal("the network policy refuses tenant.example: it resolves to a loopback address (this machine), and only public addresses are allowed", test.Message);

        await using (DestinationExporter exporter = new(destination, services))
        {
            EnqueueSpans(exporter, 3);
            await FlushOrFail(exporter);
            DestinationStatistics stats = exporter.GetStatistics();
            Assert.Equal(3, stats.Dropped(DropReason.AddressRefused));
            Assert.Equal(1, stats.Requests);
            Assert.Equal(0, stats.Retries);
            Assert.StartsWith("not sent: the network policy refuses tenant.example", stats.LastError, StringComparison.Ordinal);
            AssertAccounting(stats);
        }

        Assert.Empty(receiver.Requests);
        Assert.Equal(("tenant", DropReason.AddressRefused, 3L), Assert.Single(listener.Drops));
        Assert.DoesNotContain(listener.Failures, f => f.WillRetry);
    }

    [Fact]
    public async Task EveryAddressOfTheAnswerIsCheckedAndOnlyAllowedOnesAreUsed()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var policy = new DestinationNetworkPolicy
        {
            RequirePublicAddresses = true,
            Resolver = ResolveTo(IPAddress.Parse("10.0.0.7"), IPAddress.Parse("169.254.169.254"), IPAddress.Loopback),
        };
        var services = new ExporterServices { Resource = Resource, NetworkPolicy = policy };

        ConnectionTestResult test = await ConnectionTester.TestAsync(OtlpDestination.Create(Options(TenantEndpoint(receiver))), services);

        // The first refused kind is named; no address is.
        Assert.False(test.Success);
        Assert.Contains("it resolves to a private address", test.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.7", test.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task AnExemptHostIsConnectedToThroughThePolicysOwnConnectPath()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var policy = new DestinationNetworkPolicy { RequirePublicAddresses = true, AllowedHosts = ["tenant.example"], Resolver = ResolveTo(IPAddress.Loopback) };
        var services = new ExporterServices { Resource = Resource, NetworkPolicy = policy };

        Assert.Same(policy.SharedClient, services.HttpClient);
        ConnectionTestResult test = await ConnectionTester.TestAsync(OtlpDestination.Create(Options(TenantEndpoint(receiver))), services);

        Assert.True(test.Success, test.ToString());
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task UnderThePolicyTheRegistryRefusesLocalLiteralsBeforeSendingAnything()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var services = new ExporterServices { Resource = Resource, NetworkPolicy = DestinationNetworkPolicy.PublicAddressesOnly };
        await using var registry = new DestinationRegistry(services);
        OtlpDestination destination = OtlpDestination.Create(Options(receiver, "tenant"));

        DestinationSaveResult save = await registry.SaveAsync(destination);
        Assert.False(save.Saved);
        Assert.Contains("the endpoint's host is a loopback address (this machine); the network policy allows public addresses only", save.Reason, StringComparison.Ordinal);
        Assert.Contains("not sent", new ExportResult { Outcome = ExportOutcome.Refused, Message = "x" }.ToString(), StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<OtlpConfigurationException>(() => registry.AddAsync(destination));
        Assert.Contains("Destination 'tenant' is refused", error.Message, StringComparison.Ordinal);
        Assert.Empty(registry.List());
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task ByDefaultNothingIsRefusedAndTheLoopbackReceiverWorks()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        Assert.False(ExporterServices.Default.NetworkPolicy.RequirePublicAddresses);
        Assert.False(new ExporterServices().NetworkPolicy.RequirePublicAddresses);

        await using var registry = new DestinationRegistry(new ExporterServices { Resource = Resource });
        DestinationSaveResult byAddress = await registry.SaveAsync(OtlpDestination.Create(Options(receiver, "by-address")));
        var byName = new UriBuilder(receiver.TracesEndpoint) { Host = "localhost" }.Uri;
        DestinationSaveResult byLocalhost = await registry.SaveAsync(OtlpDestination.Create(Options(byName, "by-name")));

        Assert.True(byAddress.Saved, byAddress.Reason);
        Assert.True(byLocalhost.Saved, byLocalhost.Reason);
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task RedirectsAreNotFollowedByTheDefaultClientNorByThePolicysClient()
    {
        await using OtlpTestReceiver target = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver redirecting = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse
            {
                StatusCode = 307,
                Headers = new Dictionary<string, string> { ["Location"] = target.TracesEndpoint.AbsoluteUri },
            },
        });
        OtlpDestinationOptions options = Options(redirecting);
        options.Headers["Authorization"] = "Bearer not-for-the-target";
        OtlpDestination destination = OtlpDestination.Create(options);
        var restricted = new ExporterServices
        {
            Resource = Resource,
            NetworkPolicy = new DestinationNetworkPolicy { RequirePublicAddresses = true, AllowedHosts = ["127.0.0.1"] },
        };

        foreach (ExporterServices services in new[] { Services, restricted })
        {
            ConnectionTestResult test = await ConnectionTester.TestAsync(destination, services);
            Assert.False(test.Success);
            Assert.Equal(HttpStatusCode.TemporaryRedirect, test.StatusCode);
        }

        Assert.Equal(2, redirecting.Requests.Count);
        Assert.Empty(target.Requests);
    }

    /// <summary>The receiver's URL with the host replaced by a name that only the policy's resolver knows.</summary>
    private static Uri TenantEndpoint(OtlpTestReceiver receiver) => new UriBuilder(receiver.TracesEndpoint) { Host = "tenant.example" }.Uri;

    private static Func<string, CancellationToken, Task<IPAddress[]>> ResolveTo(params IPAddress[] addresses)
        => (host, _) => Task.FromResult(host == "tenant.example" ? addresses : throw new InvalidOperationException("unexpected host " + host));
}

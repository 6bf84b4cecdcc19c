using System.Net;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.GenAi;
using OtlpBroadcast.Tests.Shared;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Security;

/// <summary>
/// The main flows of the runtime, run with canary secrets as header values against backends that quote every header
/// back in their errors: saving destinations (connection test passing and failing), exports answered 401, 429, 500,
/// a partial success, timeouts and refused connections, test traces, recorded generations, listings, configuration
/// errors and the network policy. Every exception message thrown in the process meanwhile, every export event and every
/// text the SDK returns is scanned: no canary may appear.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class SecretCanaryTests
{
    private readonly string _token = "c4n4ry-token-" + Guid.NewGuid().ToString("N");
    private readonly string _apiKey = "c4n4ry-key-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task NoCanaryAppearsInAnyExceptionEventResultOrListingOfTheMainFlows()
    {
        string token = _token;
        string apiKey = _apiKey;
        using var scan = new CanaryScan(token, apiKey);

        await using OtlpTestReceiver accepting = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = { ["Authorization"] = "Bearer " + token, ["X-Api-Key"] = apiKey },
        });
        await using OtlpTestReceiver unauthorized = await EchoingBackend.StartAsync(401);
        await using OtlpTestReceiver failing = await EchoingBackend.StartAsync(500);
        await using OtlpTestReceiver throttling = await EchoingBackend.StartAsync(429);
        await using OtlpTestReceiver partial = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (request, _) => ReceiverResponse.PartialSuccess(1, "over quota: " + string.Join(" ", request.Headers.Values)),
        });
        await using OtlpTestReceiver hanging = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { Delay = Timeout.InfiniteTimeSpan },
        });

        var services = new ExporterServices { Resource = Resource, Events = scan };
        await using (var registry = new DestinationRegistry(services))
        {
            // Saving: one test passes, one is refused with the credentials quoted back.
            DestinationSaveResult saved = await registry.SaveAsync(Destination(accepting.TracesEndpoint, "accepting"));
            DestinationSaveResult refused = await registry.SaveAsync(Destination(unauthorized.TracesEndpoint, "unauthorized"));
            Assert.True(saved.Saved, saved.Reason);
            Assert.False(refused.Saved);
            scan.Add("a save result", saved.ToString());
            scan.Add("a refused save's reason", refused.Reason);
            scan.Add("a refused save's result", refused.ToString());

            // Trusted destinations that fail every way an export can.
            foreach ((OtlpTestReceiver receiver, string name) in new[] { (unauthorized, "unauthorized"), (failing, "failing"), (throttling, "throttling"), (partial, "partial"), (hanging, "hanging") })
            {
                await registry.AddAsync(Destination(receiver.TracesEndpoint, name));
            }

            await registry.AddAsync(Destination(ClosedEndpoint(), "closed"));

            // Spans and a recorded generation to every destination.
            for (int i = 0; i < 3; i++)
            {
                registry.Publish(Span(i));
            }

            var broadcaster = new GenerationBroadcaster(registry);
            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(BroadcastTestKit.MissionRequest(), provider: "openai");
            recording.CompleteChat(BroadcastTestKit.Response());
            Assert.True(await registry.FlushAsync(Patience));

            // Test traces, passing and failing.
            scan.Add("a test trace result", (await registry.SendTestTraceAsync("accepting")).ToString());
            scan.Add("a test trace result", (await registry.SendTestTraceAsync("failing")).ToString());
            scan.Add("a test trace result", (await registry.SendTestTraceAsync("hanging")).ToString());

            foreach (DestinationInfo info in registry.List())
            {
                scan.Add("a listing", info.ToString());
                scan.Add("statistics", info.Statistics.ToString());
                scan.Add("a last error", info.Statistics.LastError);
                scan.Add("a destination", registry.Find(info.Name)!.ToString());
            }

            scan.Add("broadcaster statistics", broadcaster.GetStatistics().ToString());
            Assert.Contains(registry.List(), d => d.Statistics.Dropped[DropReason.FinalHttpError] > 0);
            Assert.Contains(registry.List(), d => d.Statistics.Dropped[DropReason.RetriesExhausted] > 0);
            Assert.Contains(registry.List(), d => d.Statistics.Rejected > 0);
        }

        // Configuration errors of every kind, with the canary in the headers.
        string[] badHeaders =
        [
            $$"""{"Authorization":"Bearer {{token}}" """,
            $$"""{"Authorization":"Bearer {{token}}\r\nX-Injected: {{apiKey}}"}""",
            $$"""{"Authorization":"Bearer {{token}}é"}""",
            $$"""{"Authorization":["{{token}}"]}""",
            $$"""{"Authorization":"{{token}}","authorization":"{{apiKey}}"}""",
            $$"""{"Authorization: Bearer {{token}}":""}""",
            $$"""{"Authorization":"{{token}}{{new string('x', 20_000)}}"}""",
        ];
        foreach (string headers in badHeaders)
        {
            var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create("bad", "https://collector.example.com/v1/traces", headers));
            scan.Add("a configuration error", error.ToString());
        }

        var plainHttp = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create("plain", "http://collector.example.com/v1/traces", $$"""{"X-Api-Key":"{{apiKey}}"}"""));
        scan.Add("a configuration error", plainHttp.ToString());
        var environment = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.FromEnvironment("env", name => name switch
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => "https://collector.example.com",
            "OTEL_EXPORTER_OTLP_HEADERS" => $"authorization=Bearer%20{token}%0D%0A,x-api-key={apiKey}",
            _ => null,
        }));
        scan.Add("an environment error", environment.ToString());

        // The network policy refusing a name that resolves to loopback.
        var restricted = new ExporterServices
        {
            Resource = Resource,
            Events = scan,
            NetworkPolicy = new DestinationNetworkPolicy { RequirePublicAddresses = true, Resolver = (_, _) => Task.FromResult(new[] { IPAddress.Loopback }) },
        };
        Uri tenant = new UriBuilder(accepting.TracesEndpoint) { Scheme = "https", Host = "tenant.example" }.Uri;
        scan.Add("a refused connection test", (await ConnectionTester.TestAsync(Destination(tenant, "tenant"), restricted)).ToString());

        // The flows went through their failure paths, then nothing quoted a canary.
        Assert.True(scan.Exceptions > 10, $"only {scan.Exceptions} exceptions were thrown");
        Assert.True(scan.Events > 5, $"only {scan.Events} export events were raised");
        scan.AssertNoCanary();
    }

    private OtlpDestination Destination(Uri endpoint, string name)
    {
        // Short timeouts where the backend hangs; room for a loaded machine elsewhere.
        OtlpDestinationOptions options = Options(endpoint, name);
        options.Timeout = name == "hanging" ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(10);
        options.ExportTimeout = name == "hanging" ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(20);
        options.Headers["Authorization"] = "Bearer " + _token;
        options.Headers["X-Api-Key"] = _apiKey;
        return OtlpDestination.Create(options);
    }
}

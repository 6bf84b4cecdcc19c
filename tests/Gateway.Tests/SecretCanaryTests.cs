using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Shared;

namespace Gateway.Tests;

/// <summary>
/// The gateway with canary secrets as header values, in configuration and through the admin API, against backends
/// that accept or refuse while quoting every header back: no HTTP answer, log line (every category, every level) or
/// exception message thrown in the process meanwhile contains a canary.
/// </summary>
public sealed class SecretCanaryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task NoCanaryAppearsInAnyAnswerLogLineOrException()
    {
        string token = "c4n4ry-gateway-" + Guid.NewGuid().ToString("N");
        string apiKey = "c4n4ry-gateway-key-" + Guid.NewGuid().ToString("N");
        using var scan = new CanaryScan(token, apiKey);
        var logs = new CapturingLoggerProvider();

        await using OtlpTestReceiver accepting = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = { ["Authorization"] = "Bearer " + token },
        });
        await using OtlpTestReceiver echoing = await EchoingBackend.StartAsync(401, 500);
        string headers = $$"""{"Authorization":"Bearer {{token}}","X-Api-Key":"{{apiKey}}"}""";

        WebApplication app = await GatewayApp.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new("OtlpBroadcast:Destinations:0:Name", "configured"),
                new("OtlpBroadcast:Destinations:0:Endpoint", echoing.TracesEndpoint.AbsoluteUri),
                new("OtlpBroadcast:Destinations:0:HeadersJson", headers),
            ]);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        }, TextWriter.Null);
        app.Urls.Clear();
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        await using (app)
        using (var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) })
        {
            async Task Send(string what, HttpMethod method, string path, string? body = null)
            {
                using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
                using HttpResponseMessage reply = await client.SendAsync(request);
                scan.Add($"the answer to {what} ({(int)reply.StatusCode})", await reply.Content.ReadAsStringAsync());
            }

            await Send("a refused destination", HttpMethod.Post, "/admin/destinations", $$"""{"name":"refused","endpoint":"{{echoing.TracesEndpoint}}","headers":{{headers}}}""");
            await Send("a saved destination", HttpMethod.Post, "/admin/destinations", $$"""{"name":"saved","endpoint":"{{accepting.TracesEndpoint}}","headers":{{headers}}}""");
            await Send("an invalid destination", HttpMethod.Post, "/admin/destinations", $$$"""{"name":"bad","endpoint":"{{{accepting.TracesEndpoint}}}","headers":{"Authorization":"Bearer {{{token}}}\r\n"}}""");
            await Send("a destination over plain http", HttpMethod.Post, "/admin/destinations", $$"""{"name":"plain","endpoint":"http://collector.example.com/v1/traces","headers":{{headers}}}""");
            await Send("a chat request", HttpMethod.Post, "/api/v1/chat/completions", Demo.MissionRequest);
            await Send("a test trace", HttpMethod.Post, "/admin/destinations/configured/test-trace");
            await Send("a test trace", HttpMethod.Post, "/admin/destinations/saved/test-trace");
            await Send("the listing", HttpMethod.Get, "/admin/destinations");
            await app.StopAsync();
        }

        foreach (CapturingLoggerProvider.LogEntry entry in logs.Entries)
        {
            scan.Add($"a log line ({entry.Category})", entry.ToString());
        }

        Assert.True(echoing.Requests.Count >= 3, $"the refusing backend saw {echoing.Requests.Count} request(s)");
        Assert.NotEmpty(logs.Entries);
        scan.AssertNoCanary();
    }
}

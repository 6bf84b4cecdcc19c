using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Shared;
using static OtlpBroadcast.Hosting.Tests.HostingTests;

namespace OtlpBroadcast.Hosting.Tests;

/// <summary>
/// A host's whole life with canary secrets as header values: start-up validation refusing a bad destination,
/// destinations from configuration that pass, are refused (401, 500, quoting every header back) or time out,
/// recorded generations, health checks, a save through the registry, and shutdown. Every log line at every level,
/// every exception message thrown in the process meanwhile and every health report is scanned: no canary appears.
/// </summary>
public class SecretCanaryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task NoCanaryAppearsInAnyLogLineExceptionOrHealthReport()
    {
        string token = "c4n4ry-hosting-" + Guid.NewGuid().ToString("N");
        string apiKey = "c4n4ry-hosting-key-" + Guid.NewGuid().ToString("N");
        using var scan = new CanaryScan(token, apiKey);
        var logs = new CapturingLoggerProvider();

        // Start-up refuses a destination whose headers are broken, without quoting them.
        using (IHost broken = BuildHost(o => o.Destinations.Add(Configured("broken", "https://collector.example.com/v1/traces", $$"""{"Authorization":"Bearer {{token}}\r\n"}""")), logs))
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => broken.StartAsync());
            scan.Add("a start-up validation error", error.ToString());
        }

        await using OtlpTestReceiver accepting = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = { ["Authorization"] = "Bearer " + token, ["X-Api-Key"] = apiKey },
        });
        await using OtlpTestReceiver unauthorized = await EchoingBackend.StartAsync(401);
        await using OtlpTestReceiver failing = await EchoingBackend.StartAsync(500);
        await using OtlpTestReceiver hanging = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { Delay = Timeout.InfiniteTimeSpan },
        });
        string headers = $$"""{"Authorization":"Bearer {{token}}","X-Api-Key":"{{apiKey}}"}""";

        using IHost host = BuildHost(
            o =>
            {
                o.Destinations.Add(Configured("accepting", accepting.TracesEndpoint.AbsoluteUri, headers));
                o.Destinations.Add(Configured("unauthorized", unauthorized.TracesEndpoint.AbsoluteUri, headers));
                o.Destinations.Add(Configured("failing", failing.TracesEndpoint.AbsoluteUri, headers));
                OtlpBroadcastDestinationOptions slow = Configured("hanging", hanging.TracesEndpoint.AbsoluteUri, headers);
                slow.Timeout = TimeSpan.FromMilliseconds(300);
                slow.ExportTimeout = TimeSpan.FromSeconds(1);
                o.Destinations.Add(slow);
            },
            logs);
        await host.StartAsync();

        var broadcaster = host.Services.GetRequiredService<GenerationBroadcaster>();
        var request = new ChatCompletionRequest { Model = "openai/gpt-4o", Messages = [new ChatMessage { Role = "user", Content = "Hello!" }] };
        broadcaster.StartChat(request, provider: "openai").CompleteChat(new ChatCompletionResponse { Id = "r1", Model = "gpt-4o" });
        var registry = host.Services.GetRequiredService<DestinationRegistry>();
        Assert.True(await registry.FlushAsync(Patience));

        HealthReport health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        foreach ((string name, HealthReportEntry entry) in health.Entries)
        {
            scan.Add("a health report entry " + name, entry.Description);
            scan.Add("a health report entry's data", string.Join(", ", entry.Data.Select(d => d.Key + "=" + d.Value)));
        }

        DestinationSaveResult save = await registry.SaveAsync(OtlpDestination.Create("saved-later", unauthorized.TracesEndpoint.AbsoluteUri, headers));
        Assert.False(save.Saved);
        scan.Add("a refused save's reason", save.Reason);

        // Shutdown sends what is queued and logs each destination's end.
        await host.StopAsync();

        foreach (CapturingLoggerProvider.LogEntry entry in logs.Entries)
        {
            scan.Add($"a log line ({entry.EventId.Name ?? entry.Category})", entry.ToString());
        }

        Assert.Contains(logs.Entries, e => e.EventId.Name == "ExportFailed");
        Assert.Contains(logs.Entries, e => e.EventId.Name == "SpansDropped");
        Assert.Contains(logs.Entries, e => e.EventId.Name == "DestinationAdded");
        Assert.True(scan.Exceptions > 3, $"only {scan.Exceptions} exceptions were thrown");
        scan.AssertNoCanary();
    }

    private static OtlpBroadcastDestinationOptions Configured(string name, string endpoint, string headers) => new()
    {
        Name = name,
        Endpoint = endpoint,
        HeadersJson = headers,
        ScheduledDelay = TimeSpan.FromMinutes(30),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };
}

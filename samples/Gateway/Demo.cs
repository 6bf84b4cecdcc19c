using System.Net.Http.Json;
using System.Text;
using OtlpBroadcast;
using OtlpBroadcast.Export;

namespace Gateway;

/// <summary>The README's main job: the gateway on a loopback port, the mission's example request through it, the
/// tree of what the embedded backend received, then exit.</summary>
public static class Demo
{
    /// <summary>The mission's example request, byte for byte.</summary>
    public const string MissionRequest = OtlpBroadcast.Testing.MissionExample.RequestJson;

    /// <summary>Runs the demo; 0 when the whole trace arrived.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter console)
    {
        await using WebApplication app = await GatewayApp.BuildAsync(args, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning), TextWriter.Null);
        app.Urls.Clear();
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        string address = app.Urls.First();
        await console.WriteLineAsync($"Gateway listening on {address}");

        using var client = new HttpClient { BaseAddress = new Uri(address) };
        await console.WriteLineAsync("POST /api/v1/chat/completions with the mission's example request:");
        await console.WriteLineAsync(MissionRequest);
        using HttpResponseMessage reply = await client.PostAsync(
            "/api/v1/chat/completions", new StringContent(MissionRequest, Encoding.UTF8, "application/json"));
        string answer = await reply.Content.ReadAsStringAsync();
        await console.WriteLineAsync($"-> {(int)reply.StatusCode} {answer}");
        await console.WriteLineAsync();

        DestinationRegistry registry = app.Services.GetRequiredService<DestinationRegistry>();
        bool flushed = await registry.FlushAsync(TimeSpan.FromSeconds(10));
        EmbeddedBackend? embedded = app.Services.GetService<EmbeddedBackend>();
        int exitCode = 0;
        if (embedded is not null)
        {
            IReadOnlyList<OtlpBroadcast.Testing.ReceivedSpan> spans = await embedded.Receiver.WaitForSpansAsync(3, TimeSpan.FromSeconds(10));
            await console.WriteLineAsync($"The embedded OTLP backend received trace {TraceId.FromString("app_trace_001")}:");
            await console.WriteLineAsync(OtlpBroadcast.Testing.TraceTreePrinter.Render(spans));
            exitCode = reply.IsSuccessStatusCode && flushed && spans.Count == 3 ? 0 : 1;
        }

        foreach (DestinationInfo info in registry.List())
        {
            await console.WriteLineAsync($"{info.Name}: exported={info.Statistics.Exported} dropped={info.Statistics.DroppedTotal} last error={info.Statistics.LastError ?? "none"}");
        }

        await app.StopAsync();
        return exitCode;
    }
}

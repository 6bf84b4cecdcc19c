using System.Text.Json;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>The mission's example request and the pieces broadcast tests share.</summary>
internal static class BroadcastTestKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public const string MissionRequestJson = MissionExample.RequestJson;

    /// <summary>The host's own activities, sampled and recorded by a listener as a tracing SDK does.</summary>
    private static readonly System.Diagnostics.ActivitySource HostSource = CreateHostSource();

    /// <summary>An ambient activity as a tracing SDK leaves one it samples: started by a source with listeners, W3C
    /// ids, recorded (the host exports it, so the broadcast's spans may hang under it).</summary>
    public static System.Diagnostics.Activity StartRecordedActivity(string name)
        => HostSource.StartActivity(name, System.Diagnostics.ActivityKind.Server)
        ?? throw new InvalidOperationException("The host source's listener did not sample the activity.");

    private static System.Diagnostics.ActivitySource CreateHostSource()
    {
        var source = new System.Diagnostics.ActivitySource("OtlpBroadcast.Tests.Host");
        System.Diagnostics.ActivitySource.AddActivityListener(new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        });
        return source;
    }

    public static ChatCompletionRequest MissionRequest()
        => JsonSerializer.Deserialize(MissionRequestJson, OpenAiJsonContext.Default.ChatCompletionRequest)!;

    public static ChatCompletionResponse Response(string text = "Hello! How can I help you today?") => new()
    {
        Id = "gen-1732800000-abc",
        Model = "openai/gpt-4o-2024-08-06",
        Choices = [new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = text }, FinishReason = "stop" }],
        Usage = new ChatUsage
        {
            PromptTokens = 9,
            CompletionTokens = 10,
            TotalTokens = 19,
            PromptTokensDetails = new PromptTokensDetails { CachedTokens = 2 },
            CompletionTokensDetails = new CompletionTokensDetails { ReasoningTokens = 0 },
        },
    };

    public static OtlpDestinationOptions Options(OtlpTestReceiver receiver, string name, bool privacyMode = false)
        => Options(receiver.TracesEndpoint, name, privacyMode);

    public static OtlpDestinationOptions Options(Uri endpoint, string name, bool privacyMode = false) => new()
    {
        Name = name,
        Endpoint = endpoint.AbsoluteUri,
        PrivacyMode = privacyMode,
        ScheduledDelay = TimeSpan.FromMinutes(30),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };

    public static ExporterServices Services { get; } = new() { Resource = new OtlpResource("broadcast-tests") };

    public static Task<DestinationRegistry> RegistryAsync(params OtlpDestinationOptions[] destinations)
        => RegistryAsync(Services, destinations);

    public static async Task<DestinationRegistry> RegistryAsync(ExporterServices services, params OtlpDestinationOptions[] destinations)
    {
        var registry = new DestinationRegistry(services);
        foreach (OtlpDestinationOptions options in destinations)
        {
            await registry.AddAsync(OtlpDestination.Create(options));
        }

        return registry;
    }

    public static string BodyText(OtlpTestReceiver receiver)
        => string.Concat(receiver.Requests.Select(r => System.Text.Encoding.UTF8.GetString(r.DecompressedBody.Span)));

    /// <summary>A clock that moves only when told to.</summary>
    public sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override DateTimeOffset GetUtcNow() => start.AddTicks(Interlocked.Read(ref _ticks));
    }
}

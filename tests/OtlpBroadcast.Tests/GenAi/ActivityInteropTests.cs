using System.Diagnostics;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>Serial: ActivityListeners are process-wide.</summary>
[Collection(nameof(ActivityInteropTests))]
public class ActivityInteropTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WhenAskedTheSpansAreAlsoReportedToActivityListenersWithoutContent(bool emit)
    {
        var stopped = new List<Activity>();
        using ActivityListener listener = Listen(stopped);
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry) { EmitActivities = emit };

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest(), provider: "openai");
        DateTimeOffset start = DateTimeOffset.UtcNow;
        recording.AddAttempt(new ProviderAttempt("openai", start, start.AddMilliseconds(40), 500, "500"));
        recording.CompleteChat(Response());

        if (!emit)
        {
            Assert.Empty(stopped);
            return;
        }

        Assert.Equal(["Chat Handler", "Generate Response", "attempt openai"], stopped.Select(a => a.DisplayName));
        Activity root = stopped[0];
        Activity generation = stopped[1];
        Activity attempt = stopped[2];
        Assert.All(stopped, a => Assert.Equal(TraceId.FromString("app_trace_001").ToString(), a.TraceId.ToHexString()));
        Assert.Equal(root.SpanId, generation.ParentSpanId);
        Assert.Equal(generation.SpanId, attempt.ParentSpanId);
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.Equal(ActivityKind.Client, generation.Kind);
        Assert.Equal("staging", root.GetTagItem("trace.metadata.environment"));
        Assert.Equal("openai/gpt-4o", generation.GetTagItem("gen_ai.request.model"));
        Assert.Equal(19L, generation.GetTagItem("gen_ai.usage.total_tokens"));
        Assert.Equal(new[] { "stop" }, generation.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Null(generation.GetTagItem("gen_ai.input.messages"));
        Assert.Null(generation.GetTagItem("gen_ai.output.messages"));
        Assert.Equal(ActivityStatusCode.Ok, generation.Status);
        Assert.Equal(ActivityStatusCode.Error, attempt.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(40), attempt.Duration);
    }

    [Fact]
    public async Task UnderTheAmbientActivityTheReportedTopActivityIsItsInternalLocalChild()
    {
        var stopped = new List<Activity>();
        using ActivityListener listener = Listen(stopped);
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry) { EmitActivities = true };
        ChatCompletionRequest request = MissionRequest();
        request.Trace = null;

        using (Activity ambient = BroadcastTestKit.StartRecordedActivity("incoming request"))
        {
            broadcaster.StartChat(request, provider: "openai").CompleteChat(Response());
            Activity root = stopped.Single(a => a.DisplayName == "chat request");
            Assert.Equal(ambient.SpanId, root.ParentSpanId);
            Assert.Equal(ActivityKind.Internal, root.Kind);
            Assert.False(root.HasRemoteParent);
        }
    }

    /// <summary>Listens to the broadcaster's activities, collecting each as it stops.</summary>
    private static ActivityListener Listen(List<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GenerationBroadcaster.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (stopped) { stopped.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}

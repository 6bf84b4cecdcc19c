using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Export;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>A failing or hanging destination costs the others nothing, and the caller never waits for it.</summary>
[Collection(BroadcastCollection.Name)]
public class FailingDestinationTests
{
    private const int Generations = 20;

    [Fact]
    public async Task AHealthyDestinationGetsEveryGenerationWhileAnotherAnswers503Forever()
    {
        await using OtlpTestReceiver healthy = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver failing = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.Status(503),
        });
        OtlpDestinationOptions failingOptions = Options(failing, "failing");
        failingOptions.MaxAttempts = 2;
        failingOptions.InitialBackoff = TimeSpan.FromMilliseconds(1);
        failingOptions.MaxBackoff = TimeSpan.FromMilliseconds(5);
        failingOptions.MaxExportBatchSize = 16;
        await using DestinationRegistry registry = await RegistryAsync(failingOptions, Options(healthy, "healthy"));
        var broadcaster = new GenerationBroadcaster(registry);

        for (int i = 0; i < Generations; i++)
        {
            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest(), provider: "openai");
            recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
            recording.CompleteChat(Response());
        }

        Assert.True(await registry.FlushAsync(Patience), "both destinations settle: one exported, the other out of attempts");

        Assert.Equal(Generations, healthy.Spans.Count(s => s.Name == "Generate Response"));
        Assert.Equal(Generations * 3, healthy.Spans.Count);
        Assert.NotEmpty(failing.Requests);
        Assert.All(failing.Requests, r => Assert.Equal(503, r.StatusCode));

        DestinationStatistics stats = registry.Exporters.Single(e => e.Destination.Name == "failing").GetStatistics();
        Assert.Equal(Generations * 3, stats.Offered);
        Assert.Equal(0, stats.Exported);
        Assert.Equal(Generations * 3, stats.Dropped(DropReason.RetriesExhausted));
        Assert.Equal(stats.Offered, stats.Exported + stats.Rejected + stats.DroppedTotal + stats.Pending);
        Assert.Equal(0, stats.Pending);
        Assert.Equal(stats.Requests, failing.Requests.Count);
        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
    }

    [Fact]
    public async Task RecordingNeverWaitsWhileADestinationHangs()
    {
        var hangArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using OtlpTestReceiver healthy = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver hanging = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) =>
            {
                hangArrived.TrySetResult();
                return ReceiverResponse.Hang(TimeSpan.FromMinutes(10));
            },
        });
        OtlpDestinationOptions hangingOptions = Options(hanging, "hanging");
        hangingOptions.MaxAttempts = 1;

        // The hang outlasts the client's timeout, which ends it: a Complete that waited for delivery would return
        // only after the request was abandoned, and so recorded by the receiver.
        hangingOptions.Timeout = TimeSpan.FromSeconds(30);
        hangingOptions.ExportTimeout = TimeSpan.FromSeconds(60);
        await using DestinationRegistry registry = await RegistryAsync(hangingOptions, Options(healthy, "healthy"));
        DestinationExporter hangingExporter = registry.Exporters.Single(e => e.Destination.Name == "hanging");
        DestinationExporter healthyExporter = registry.Exporters.Single(e => e.Destination.Name == "healthy");
        var broadcaster = new GenerationBroadcaster(registry);

        // Get the hanging destination stuck inside a request.
        broadcaster.StartChat(MissionRequest()).CompleteChat(Response());
        Task<bool> stuckFlush = hangingExporter.FlushAsync(TimeSpan.FromMinutes(2));
        await hangArrived.Task.WaitAsync(Patience);

        for (int i = 0; i < Generations; i++)
        {
            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest());
            recording.AppendOutput("partial");
            recording.CompleteChat(Response());
        }

        // Every Complete returned while the request was still hanging: the receiver records a request only once it
        // is answered or abandoned, and the flush waiting on it has not finished.
        Assert.Empty(hanging.Requests);
        Assert.False(stuckFlush.IsCompleted, "the hanging request ended before the recordings were done");

        Assert.True(await healthyExporter.FlushAsync(Patience));
        Assert.Equal(Generations + 1, healthy.Spans.Count(s => s.Name == "Generate Response"));

        // Ending the hang (the receiver stops and resets the connection) settles the stuck destination too.
        await hanging.DisposeAsync();
        await stuckFlush.WaitAsync(Patience);
        Assert.True(await hangingExporter.FlushAsync(Patience));
        DestinationStatistics stats = hangingExporter.GetStatistics();
        Assert.Equal((Generations + 1) * 2, stats.Offered);
        ExportTestKit.AssertAccounting(stats);
        Assert.Equal(0, stats.Exported);
    }
}

using System.Runtime.CompilerServices;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>A recording never throws into the caller, completes once, and lets go of the caller's objects.</summary>
[Collection(BroadcastCollection.Name)]
public class RecordingRobustnessTests
{
    [Fact]
    public async Task ARequestWhoseWriterThrowsIsSwallowedAndCounted()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        GenerationRecording<ThrowingRequest> recording = broadcaster.Start(new ThrowingRequest(), new GenerationContext { Model = "m" });

        Exception? thrown = Record.Exception(() => recording.Complete(Response()));

        Assert.Null(thrown);
        Assert.True(recording.IsCompleted);
        BroadcasterStatistics stats = broadcaster.GetStatistics();
        Assert.Equal(1, stats.InternalErrors);
        Assert.NotNull(stats.LastInternalError);
        Assert.StartsWith(nameof(InvalidOperationException) + ": ", stats.LastInternalError, StringComparison.Ordinal);

        // No half-written tree: the top span, already encoded, is released with the rest.
        Assert.True(await registry.FlushAsync(Patience));
        Assert.Empty(receiver.Spans);
        Assert.Equal(0, registry.Exporters[0].GetStatistics().Offered);

        // The broadcaster keeps working.
        broadcaster.StartChat(MissionRequest()).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));
        Assert.Equal(2, receiver.Spans.Count);
        Assert.Equal(1, broadcaster.GetStatistics().InternalErrors);
    }

    [Fact]
    public async Task OnlyTheFirstCompletionIsSentAndLaterCallsAreIgnored()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest());
        recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));

        recording.CompleteChat(Response("first"));
        recording.CompleteChat(Response("second"));
        recording.AddAttempt(new ProviderAttempt("late", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 500, "late"));
        recording.AppendOutput("late output");
        recording.MarkFirstToken();
        recording.CompleteStream("late", "late", "stop", null);
        recording.Fail("late_failure", "late");
        recording.Fail(new TimeoutException("late"));
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(["Chat Handler", "Generate Response", "attempt openai"], receiver.Spans.Select(s => s.Name).Order(StringComparer.Ordinal));
        ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "Generate Response");
        Assert.Contains("first", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
        Assert.False(generation.Attributes.ContainsKey("gen_ai.response.time_to_first_token"));
        Assert.Equal(1, generation.StatusCode);
        Assert.Equal(1, broadcaster.GetStatistics().Generations);
        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
    }

    [Fact]
    public async Task TheRecordingDoesNotKeepTheRequestAfterCompletion()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        (GenerationRecording<ChatCompletionRequest> recording, WeakReference request) = StartUnreferenced(broadcaster);

        // Held while the call runs (it is read at completion): this is what makes the check below meaningful.
        CollectEverything();
        Assert.True(request.IsAlive, "the request was collected before completion; the test proves nothing");

        recording.CompleteChat(Response());
        CollectEverything();

        Assert.False(request.IsAlive, "the completed recording still holds the request");
        GC.KeepAlive(recording);
        Assert.True(await registry.FlushAsync(Patience));
        Assert.Equal(2, receiver.Spans.Count);
    }

    [Fact]
    public async Task FailWithAnExceptionMarksTheTreeAsErrorAndWithholdsTheMessageInPrivacyMode()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(open, "open"), Options(withheld, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);
        const string Quoted = "quoted-prompt-7f3a";

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest());
        recording.Fail(new TimeoutException($"The upstream timed out on '{Quoted}'"));
        Assert.True(await registry.FlushAsync(Patience));

        foreach (OtlpTestReceiver receiver in new[] { open, withheld })
        {
            ReceivedSpan top = receiver.Spans.Single(s => s.Name == "Chat Handler");
            ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "Generate Response");
            Assert.All(new[] { top, generation }, span =>
            {
                Assert.Equal(2, span.StatusCode);
                Assert.Equal("ERROR", span["span.level"].AsString());
            });
            Assert.Equal("System.TimeoutException", generation["error.type"].AsString());
            Assert.False(generation.Attributes.ContainsKey("gen_ai.output.messages"));
        }

        Assert.All(open.Spans, s => Assert.Equal($"The upstream timed out on '{Quoted}'", s.StatusMessage));
        Assert.All(withheld.Spans, s => Assert.Equal("System.TimeoutException", s.StatusMessage));
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, Quoted), "the exception message reached the privacy-mode destination");
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "timed out"), "the exception message reached the privacy-mode destination");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (GenerationRecording<ChatCompletionRequest>, WeakReference) StartUnreferenced(GenerationBroadcaster broadcaster)
    {
        ChatCompletionRequest request = MissionRequest();
        return (broadcaster.StartChat(request), new WeakReference(request));
    }

    private static void CollectEverything()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>An annotated request (written by hand) whose writer fails, like a buggy custom DTO.</summary>
    private sealed class ThrowingRequest : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
        {
            sink.Write("gen_ai.request.model"u8, "m");
            throw new InvalidOperationException("the DTO's writer failed");
        }
    }
}

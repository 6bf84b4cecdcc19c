using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Export;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// The request-path cost of recording a generation: <c>StartChat</c>, <c>AddAttempt</c>, <c>CompleteChat</c> allocate
/// nothing on the caller's thread once warmed up, while real exporters send the spans to a loopback receiver in the
/// background. Counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/>, never timed.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class RecordingAllocationTests
{
    private const int WarmUpRounds = 10;
    private const int MeasuredRounds = 20;

    /// <summary>Recordings between flushes: dozens of fragments are in flight and come back on exporter threads.</summary>
    private const int RecordingsPerRound = 10;

    /// <summary>Fewer spans than a round queues per destination (three per recording).</summary>
    private const int BatchSize = 16;

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public async Task AWarmedUpRecordingAllocatesNothingOnTheRequestThread(int destinations, bool modelFilter)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();

        // Privacy alternates off, on, off: two encodings of every tree, with and without content. Small batches:
        // within a round the queues fill a batch, and the recording thread wakes the exporters' loops.
        OtlpDestinationOptions[] options = [.. Enumerable.Range(0, destinations).Select(i => Options(receiver, "destination-" + i, privacyMode: i % 2 == 1))];
        foreach (OtlpDestinationOptions destination in options)
        {
            destination.MaxExportBatchSize = BatchSize;
            if (modelFilter)
            {
                destination.Broadcast.IncludeModels.Add("anthropic/*");
                destination.Broadcast.IncludeModels.Add("openai/*");
            }
        }

        await using DestinationRegistry registry = await RegistryAsync(options);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();

        // Default span names ("chat request", "chat openai/gpt-4o"), built from parts, and typed metadata.
        request.Trace!.TraceName = null;
        request.Trace.GenerationName = null;
        request.Trace.Metadata["attempt"] = System.Text.Json.JsonDocument.Parse("3").RootElement;
        request.Trace.Metadata["canary"] = System.Text.Json.JsonDocument.Parse("true").RootElement;
        ChatCompletionResponse response = Response("Hello! \"Quoted\" and escaped\ncontent, ünïcode 😀");
        var attempt = new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, StatusCode: 200);
        var cost = new GenerationCost(Input: 0.0000225, Output: 0.00009);

        // A recording that wakes an exporter before its loop registered its continuation must not pay the process's
        // one-time initialiser of that path within the measured rounds.
        WakeSignalTests.CompleteAWaitBeforeItsContinuationIsRegistered();

        // One thread records: the encoders keep their buffers per thread, and an await could resume elsewhere.
        long[] allocated = new long[MeasuredRounds * RecordingsPerRound];
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                for (int round = 0; round < WarmUpRounds + MeasuredRounds; round++)
                {
                    for (int i = 0; i < RecordingsPerRound; i++)
                    {
                        long before = GC.GetAllocatedBytesForCurrentThread();
                        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
                        recording.AddAttempt(attempt);
                        recording.CompleteChat(response, cost);
                        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
                        if (round >= WarmUpRounds)
                        {
                            allocated[((round - WarmUpRounds) * RecordingsPerRound) + i] = bytes;
                        }
                    }

                    // Outside the measured calls: the exporters send what was queued and let go of the fragments.
                    if (!registry.FlushAsync(Patience).GetAwaiter().GetResult())
                    {
                        throw new TimeoutException("the exporters did not settle a round in time");
                    }
                }
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        });
        thread.Start();
        thread.Join();

        Assert.Null(failure);
        long total = allocated.Sum();
        Assert.True(total == 0, $"{total} bytes over {allocated.Length} recordings; per recording: {string.Join(' ', allocated)}");

        // The recordings did the real work: every tree reached every destination, nothing dropped or failed.
        int trees = (WarmUpRounds + MeasuredRounds) * RecordingsPerRound;
        int withContent = options.Count(o => !o.PrivacyMode);
        Assert.Equal(trees * 3 * destinations, receiver.Spans.Count);
        List<ReceivedSpan> generations = [.. receiver.Spans.Where(s => s.Name == "chat openai/gpt-4o")];
        Assert.Equal(trees * destinations, generations.Count);
        Assert.Equal(trees * withContent, generations.Count(s => s.Attributes.ContainsKey("gen_ai.output.messages")));
        Assert.Equal(trees * destinations, receiver.Spans.Count(s => s.Name == "chat request"));
        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
        Assert.All(registry.Exporters, e => Assert.Equal(0, e.GetStatistics().DroppedTotal));
    }
}

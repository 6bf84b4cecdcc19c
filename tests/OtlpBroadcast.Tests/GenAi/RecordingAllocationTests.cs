using System.Text.Json;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Export;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// The request-path cost of recording a generation: <c>StartChat</c>, <c>AddAttempt</c>, <c>CompleteChat</c> allocate
/// nothing on the caller's thread once warmed up, while real exporters send the spans to a loopback receiver in the
/// background; for the same request again and for requests just read from JSON (whose text-only messages are rendered
/// without making their parts). Counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/>, never timed. Steady state: a growth
/// episode (storage growing once when the exporters fall behind) may make the first measured pass allocate, and then
/// a second pass must allocate nothing.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class RecordingAllocationTests
{
    private const int WarmUpRounds = 10;
    private const int MeasuredRounds = 20;

    /// <summary>Measured passes at most: the second runs only when the first allocated (see the test).</summary>
    private const int MaxPasses = 2;

    /// <summary>Recordings between flushes: dozens of fragments are in flight and come back on exporter threads.</summary>
    private const int RecordingsPerRound = 10;

    /// <summary>Fewer spans than a round queues per destination (three per recording).</summary>
    private const int BatchSize = 16;

    /// <param name="destinations">How many destinations, privacy alternating off, on, off.</param>
    /// <param name="modelFilter">Whether the destinations filter by model.</param>
    /// <param name="dedicatedThreads">Whether the exporters run on threads of their own.</param>
    /// <param name="freshRequests">Whether every recording is of a request and a response just read from JSON, as a
    /// service's are (made before the measured calls), rather than of the same two objects again.</param>
    [Theory]
    [InlineData(1, false, true, false)]
    [InlineData(3, false, true, false)]
    [InlineData(3, true, true, false)]
    [InlineData(3, false, false, false)]
    [InlineData(1, false, true, true)]
    [InlineData(3, false, true, true)]
    public async Task AWarmedUpRecordingAllocatesNothingOnTheRequestThread(int destinations, bool modelFilter, bool dedicatedThreads, bool freshRequests)
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

        // The exporters' loops on threads of their own (the default) or on the thread pool: each is woken its own way.
        await using DestinationRegistry registry = await RegistryAsync(
            new ExporterServices { Resource = Services.Resource, MaxDedicatedExportThreads = dedicatedThreads ? 16 : 0 }, options);

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

        // One thread records: the encoders keep their buffers per thread, and an await could resume elsewhere. Each
        // pass measures MeasuredRounds rounds. Storage that grows when the exporters fall behind (a queue's segment,
        // the fragment pool's idle count) grows once, not per recording: when the first pass meets such an episode,
        // a second pass must allocate nothing. Something that allocates in the steady state does so in both.
        var passes = new List<long[]>();
        var allocating = new List<string>();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                for (int round = 0; round < WarmUpRounds; round++)
                {
                    for (int i = 0; i < RecordingsPerRound; i++)
                    {
                        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
                        recording.AddAttempt(attempt);
                        recording.CompleteChat(response, cost);
                    }

                    Flush(registry);
                }

                while (passes.Count < MaxPasses && (passes.Count == 0 || passes[^1].Sum() != 0))
                {
                    long[] allocated = new long[MeasuredRounds * RecordingsPerRound];
                    for (int round = 0; round < MeasuredRounds; round++)
                    {
                        // Outside the measured calls: the round's requests and responses, new objects or the same two.
                        (ChatCompletionRequest Request, ChatCompletionResponse Response)[] pairs = [.. Enumerable.Range(0, RecordingsPerRound)
                            .Select(_ => freshRequests ? ReadAgain(request, response) : (request, response))];
                        for (int i = 0; i < RecordingsPerRound; i++)
                        {
                            long start = GC.GetAllocatedBytesForCurrentThread();
                            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(pairs[i].Request, provider: "openai");
                            long started = GC.GetAllocatedBytesForCurrentThread();
                            recording.AddAttempt(attempt);
                            long attempted = GC.GetAllocatedBytesForCurrentThread();
                            recording.CompleteChat(pairs[i].Response, cost);
                            long completed = GC.GetAllocatedBytesForCurrentThread();
                            allocated[(round * RecordingsPerRound) + i] = completed - start;
                            if (completed != start)
                            {
                                // Outside the measured calls: which call allocated, for the failure message.
                                allocating.Add($"pass {passes.Count + 1}, round {round + 1}, recording {i + 1}: StartChat {started - start} B, AddAttempt {attempted - started} B, CompleteChat {completed - attempted} B");
                            }
                        }

                        // Outside the measured calls: the exporters send what was queued and let go of the fragments.
                        Flush(registry);
                    }

                    passes.Add(allocated);
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
        long total = passes[^1].Sum();
        Assert.True(
            total == 0,
            $"{total} bytes over the last pass's {passes[^1].Length} recordings; bytes per pass: {string.Join(", ", passes.Select(p => p.Sum()))}; {allocating.Count} allocating recordings, the first ones:\n{string.Join('\n', allocating.Take(20))}");

        // The recordings did the real work: every tree reached every destination, nothing dropped or failed.
        int trees = (WarmUpRounds + (passes.Count * MeasuredRounds)) * RecordingsPerRound;
        int withContent = options.Count(o => !o.PrivacyMode);
        Assert.Equal(trees * 3 * destinations, receiver.Spans.Count);
        List<ReceivedSpan> generations = [.. receiver.Spans.Where(s => s.Name == "chat openai/gpt-4o")];
        Assert.Equal(trees * destinations, generations.Count);
        Assert.Equal(trees * withContent, generations.Count(s => s.Attributes.ContainsKey("gen_ai.output.messages")));
        Assert.Equal(trees * destinations, receiver.Spans.Count(s => s.Name == "chat request"));
        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
        Assert.All(registry.Exporters, e => Assert.Equal(0, e.GetStatistics().DroppedTotal));
    }

    /// <summary>The request and the response as a service has them: just read from their JSON.</summary>
    private static (ChatCompletionRequest, ChatCompletionResponse) ReadAgain(ChatCompletionRequest request, ChatCompletionResponse response)
        => (JsonSerializer.Deserialize(JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest), OpenAiJsonContext.Default.ChatCompletionRequest)!,
            JsonSerializer.Deserialize(JsonSerializer.Serialize(response, OpenAiJsonContext.Default.ChatCompletionResponse), OpenAiJsonContext.Default.ChatCompletionResponse)!);

    private static void Flush(DestinationRegistry registry)
    {
        if (!registry.FlushAsync(Patience).GetAwaiter().GetResult())
        {
            throw new TimeoutException("the exporters did not settle a round in time");
        }
    }
}

using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// Recordings are pooled: a completed recording's state serves the next call. A handle kept after completion stays a
/// completed recording, whatever its state does next, and every fragment a recording makes is released exactly once.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class RecordingPoolTests
{
    [Fact]
    public async Task ACompletedRecordingsStateServesTheNextCall()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);

        // A request type of this test alone: no other test's recordings share its pool.
        GenerationRecording<FirstPoolRequest> first = broadcaster.Start(new FirstPoolRequest("first"), new GenerationContext { Model = "m" });
        first.Complete(Response());
        GenerationRecording<FirstPoolRequest> second = broadcaster.Start(new FirstPoolRequest("second"), new GenerationContext { Model = "m" });

        Assert.NotNull(second.State);
        Assert.Same(first.State, second.State);
        Assert.True(first.IsCompleted);
        Assert.False(second.IsCompleted);

        second.Complete(Response());
        Assert.True(await registry.FlushAsync(Patience));
        Assert.Equal(["first", "second"], receiver.Spans.Where(s => s.Name == "chat m").Select(s => s["pool.request"].AsString()));
    }

    [Fact]
    public async Task CallsThroughAHandleKeptAfterCompletionDoNotReachTheNextRecording()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "open"), Options(receiver, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);
        GenerationRecording<SecondPoolRequest> stale = broadcaster.Start(new SecondPoolRequest("stale"), new GenerationContext { Model = "m" });
        stale.AppendOutput("stale output");
        stale.Fail("first_failure", "stale message");

        GenerationRecording<SecondPoolRequest> current = broadcaster.Start(new SecondPoolRequest("current"), new GenerationContext { Model = "m" });
        Assert.Same(stale.State, current.State);
        current.AddAttempt(new ProviderAttempt("current-provider", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
        current.AppendOutput("current output");

        // Every call through the old handle is ignored: it does not add, stream, mark, complete or fail anything.
        stale.AddAttempt(new ProviderAttempt("stale-provider", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 500, "stale"));
        stale.AppendOutput(" stale chunk");
        stale.MarkFirstToken();
        stale.Complete(Response("stale response"));
        stale.CompleteStream("stale-id", "stale-model", "stop", null);
        stale.Fail("stale_failure", "stale message");
        stale.Fail(new TimeoutException("stale exception"));
        Assert.True(stale.IsCompleted);
        Assert.False(current.IsCompleted);

        current.CompleteStream("current-id", "current-model", "stop", null);
        Assert.True(current.IsCompleted);
        Assert.True(await registry.FlushAsync(Patience));

        // Per destination: the stale tree (as it was failed) and the current tree, nothing mixed between them.
        Assert.Equal(10, receiver.Spans.Count);
        List<ReceivedSpan> generations = [.. receiver.Spans.Where(s => s.Name == "chat m")];
        Assert.Equal(4, generations.Count);
        Assert.All(generations.Where(s => s["pool.request"].AsString() == "stale"), s =>
        {
            Assert.Equal("first_failure", s["error.type"].AsString());
            Assert.False(s.Attributes.ContainsKey("gen_ai.response.id"));
        });
        Assert.All(generations.Where(s => s["pool.request"].AsString() == "current"), s =>
        {
            Assert.Equal("current-id", s["gen_ai.response.id"].AsString());
            Assert.False(s.Attributes.ContainsKey("error.type"));
            Assert.Equal("current-provider", s["gen_ai.provider.name"].AsString());
        });
        ReceivedSpan currentOpen = generations.Single(s => s["pool.request"].AsString() == "current" && s.Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.Contains("current output", currentOpen["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
        Assert.DoesNotContain("stale", currentOpen["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
        Assert.Equal(["current-provider", "current-provider"], receiver.Spans.Where(s => s.Name.StartsWith("attempt", StringComparison.Ordinal)).Select(s => s["gen_ai.provider.name"].AsString()));
        Assert.Equal(2, broadcaster.GetStatistics().Generations);
    }

    [Fact]
    public async Task StaleHandlesCalledConcurrentlyNeverTouchLaterRecordings()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        GenerationRecording<ThirdPoolRequest> stale = broadcaster.Start(new ThirdPoolRequest("stale"), new GenerationContext { Model = "m" });
        stale.Complete(Response());

        // Another thread keeps calling the stale handle while its state serves one recording after another.
        using var stop = new CancellationTokenSource();
        Task misuse = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                stale.AddAttempt(new ProviderAttempt("stale-provider", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
                stale.AppendOutput("stale");
                stale.Fail("stale_failure");
                stale.Complete(Response("stale"));
            }
        });

        const int Recordings = 300;
        for (int i = 0; i < Recordings; i++)
        {
            GenerationRecording<ThirdPoolRequest> recording = broadcaster.Start(new ThirdPoolRequest("current"), new GenerationContext { Model = "m" });
            recording.AddAttempt(new ProviderAttempt("current-provider", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
            recording.Complete(Response());
        }

        await stop.CancelAsync();
        await misuse;
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(1 + Recordings, broadcaster.GetStatistics().Generations);
        List<ReceivedSpan> generations = [.. receiver.Spans.Where(s => s.Name == "chat m")];
        Assert.Equal(1 + Recordings, generations.Count);
        Assert.All(generations, s => Assert.False(s.Attributes.ContainsKey("error.type")));
        Assert.Equal(Recordings, receiver.Spans.Count(s => s.Name == "attempt current-provider"));
        Assert.DoesNotContain(receiver.Spans, s => s.Name == "attempt stale-provider");
    }

    [Fact]
    public void TheDefaultRecordingIsCompleteAndIgnoresEveryCall()
    {
        GenerationRecording<ChatCompletionRequest> none = default;

        none.AddAttempt(new ProviderAttempt("p", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        none.AppendOutput("x");
        none.MarkFirstToken();
        none.CompleteChat(Response());
        none.CompleteStream("id", "m", "stop", null);
        none.Fail("error");

        Assert.True(none.IsCompleted);
        Assert.Equal(default, none.TraceId);
        Assert.Null(none.State);
    }

    [Fact]
    public async Task EveryFragmentOfABroadcastIsReleasedExactlyOnce()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(
            Options(receiver, "open"), Options(receiver, "private", privacyMode: true), Options(receiver, "open-too"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        ChatCompletionResponse response = Response();
        var attempt = new ProviderAttempt("openai", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1), 200);

        void RecordAndFlush()
        {
            for (int i = 0; i < 20; i++)
            {
                GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
                recording.AddAttempt(attempt);
                recording.CompleteChat(response);
            }

            Assert.True(registry.FlushAsync(Patience).GetAwaiter().GetResult());
        }

        // The first round fills the pool with what a round needs; a flush returns only once the exporters let go.
        RecordAndFlush();
        int pooled = FragmentPool.PooledCount;

        RecordAndFlush();

        // Each fragment (the spans of two variants, shared by reference between the destinations and, for the spans
        // without content, between the variants) went back once: less in the pool would be a leak, more a second
        // release of one fragment.
        Assert.True(pooled > 0);
        Assert.Equal(pooled, FragmentPool.PooledCount);
        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
        Assert.Equal(2 * 20 * 3 * 3, receiver.Spans.Count);
    }

    [Fact]
    public void PooledFragmentsHavePowerOfTwoArraysAndComeBackWhenReleased()
    {
        SpanFragment small = SpanFragment.CopyOf(new byte[10], SpanEncoding.Json, contentWithheld: false);
        SpanFragment exact = SpanFragment.CopyOf(new byte[1024], SpanEncoding.Json, contentWithheld: false);
        SpanFragment above = SpanFragment.CopyOf(new byte[1025], SpanEncoding.Json, contentWithheld: false);
        SpanFragment huge = SpanFragment.CopyOf(new byte[FragmentPool.MaximumPooledLength + 1], SpanEncoding.Json, contentWithheld: false);

        Assert.Equal(FragmentPool.MinimumLength, small.Capacity);
        Assert.Equal(1024, exact.Capacity);
        Assert.Equal(2048, above.Capacity);
        Assert.Equal(FragmentPool.MaximumPooledLength + 1, huge.Capacity);

        // A huge fragment is not kept.
        int before = FragmentPool.PooledCount;
        huge.Release();
        Assert.Equal(before, FragmentPool.PooledCount);

        // A pooled one is kept, and handed out again: the pool is first in, first out, so it comes back after the
        // fragments of its size that were already waiting (other tests may have left some).
        SpanFragment large = SpanFragment.CopyOf(new byte[FragmentPool.MaximumPooledLength], SpanEncoding.Json, contentWithheld: false);
        int waiting = FragmentPool.PooledCount;
        large.Release();
        Assert.Equal(0, large.Length);
        var rented = new List<SpanFragment>();
        for (int i = 0; i <= waiting && !rented.Contains(large); i++)
        {
            rented.Add(SpanFragment.CopyOf(new byte[FragmentPool.MaximumPooledLength - 1], SpanEncoding.Protobuf, contentWithheld: true));
        }

        Assert.Contains(large, rented);
        Assert.Equal(FragmentPool.MaximumPooledLength - 1, large.Length);
        Assert.Equal(SpanEncoding.Protobuf, large.Encoding);
        Assert.True(large.ContentWithheld);
        foreach (SpanFragment fragment in rented.Concat([small, exact, above]))
        {
            fragment.Release();
        }
    }

    [Fact]
    public void AThreadTakesSmallFragmentsInBatchesAndLargeOnesOneAtATime()
    {
        const int Small = 1024;
        const int Large = FragmentPool.MaximumStashedLength * 2;

        // Idle fragments of both sizes in the pool, released here: they go to the pool, not to this thread's stash.
        List<SpanFragment> idle = [.. Enumerable.Range(0, FragmentPool.StashBatch * 2).Select(_ => Fragment(Small)), Fragment(Large), Fragment(Large)];
        idle.ForEach(fragment => fragment.Release());

        int before = OnNewThread(() => FragmentPool.PooledCount);
        int ownAfterSmall = 0;
        int otherAfterSmall = 0;
        int otherAfterLarge = 0;
        int otherAfterStashed = 0;
        int otherAfterReleases = 0;
        OnNewThread(() =>
        {
            // The first small fragment takes a batch into this thread's stash: idle still, for this thread only.
            List<SpanFragment> rented = [Fragment(Small)];
            ownAfterSmall = FragmentPool.PooledCount;
            otherAfterSmall = OnNewThread(() => FragmentPool.PooledCount);

            // A large one comes from the pool alone.
            rented.Add(Fragment(Large));
            otherAfterLarge = OnNewThread(() => FragmentPool.PooledCount);

            // The rest of the batch comes from the stash: the pool is not asked again.
            rented.AddRange(Enumerable.Range(1, FragmentPool.StashBatch - 1).Select(_ => Fragment(Small)));
            otherAfterStashed = OnNewThread(() => FragmentPool.PooledCount);

            rented.ForEach(fragment => fragment.Release());
            otherAfterReleases = OnNewThread(() => FragmentPool.PooledCount);
            return 0;
        });

        Assert.Equal(before - 1, ownAfterSmall);
        Assert.Equal(before - FragmentPool.StashBatch, otherAfterSmall);
        Assert.Equal(before - FragmentPool.StashBatch - 1, otherAfterLarge);
        Assert.Equal(before - FragmentPool.StashBatch - 1, otherAfterStashed);
        Assert.Equal(before, otherAfterReleases);

        static SpanFragment Fragment(int length) => SpanFragment.CopyOf(new byte[length], SpanEncoding.Json, contentWithheld: false);
    }

    [Fact]
    public async Task TheFragmentPoolKeepsAsManyFragmentsAsTheQueuesCanHold()
    {
        long before = FragmentPool.Limit;
        var options = new OtlpDestinationOptions { Name = "large-queue", Endpoint = "http://127.0.0.1:9/v1/traces", MaxQueueSize = 100_000 };
        var exporter = new DestinationExporter(OtlpDestination.Create(options), Services);

        // A queue of a hundred thousand spans: that many fragments may wait in the pool for the next requests.
        Assert.True(FragmentPool.Limit >= 100_000, $"limit {FragmentPool.Limit}");

        // Once the queue is gone, so is the room it made; the pool keeps no more than its limit.
        await exporter.ShutdownAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(before, FragmentPool.Limit);
        Assert.True(FragmentPool.PooledCount <= FragmentPool.Limit);
        Assert.True(FragmentPool.Limit >= FragmentPool.MinimumPooled);
    }

    [Fact]
    public void AStoppedQueueTrimsThePoolToItsLimitAndLeavesThisThreadsStashAlone()
    {
        const int Extra = 10_000;
        const int Returned = 6_000;
        var kept = new List<SpanFragment>();
        int poolAtStart = PoolOnly();
        FragmentPool.AddQueueCapacity(Extra);
        try
        {
            // More idle fragments than the pool may keep once the extra room is gone: rented, then all returned.
            List<SpanFragment> many = [.. Enumerable.Range(0, Returned).Select(_ => Fragment())];
            many.ForEach(fragment => fragment.Release());

            // This thread's stash holds some of them: idle for this thread only, and not the pool's to trim.
            while (Stashed() == 0)
            {
                Assert.True(kept.Count <= FragmentPool.StashBatch, "no fragment stayed in this thread's stash");
                kept.Add(Fragment());
            }

            int stashed = Stashed();
            long limitAfter = Math.Max(FragmentPool.MinimumPooled, FragmentPool.Limit - Extra);
            Assert.True(PoolOnly() > limitAfter + stashed, $"the pool holds {PoolOnly()}, not over {limitAfter} + {stashed}");
        }
        finally
        {
            FragmentPool.RemoveQueueCapacity(Extra);
        }

        // Trimmed to its limit exactly, the stash left as it was.
        Assert.Equal(FragmentPool.Limit, PoolOnly());
        Assert.True(Stashed() > 0);
        Assert.Equal(FragmentPool.Limit + Stashed(), FragmentPool.PooledCount);
        kept.ForEach(fragment => fragment.Release());

        // Leave the pool with the room it had (other tests return fragments into it): what this test added is taken
        // out again and left to the garbage collector.
        int surplus = PoolOnly() - poolAtStart + Stashed();
        for (int i = 0; i < surplus; i++)
        {
            _ = Fragment();
        }

        static SpanFragment Fragment() => SpanFragment.CopyOf(new byte[100], SpanEncoding.Json, contentWithheld: false);

        // What another thread sees: the pool without this thread's stash.
        static int PoolOnly() => OnNewThread(() => FragmentPool.PooledCount);

        static int Stashed() => FragmentPool.PooledCount - PoolOnly();
    }

    /// <summary>Runs <paramref name="read"/> on a new thread (one with no stash of its own) and returns its result.</summary>
    private static int OnNewThread(Func<int> read)
    {
        int result = 0;
        var thread = new Thread(() => result = read());
        thread.Start();
        thread.Join();
        return result;
    }

    /// <summary>Writes its name as <c>pool.request</c>.</summary>
    private abstract class PoolRequest(string name) : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
            => sink.Write("pool.request"u8, name);
    }

    private sealed class FirstPoolRequest(string name) : PoolRequest(name);

    private sealed class SecondPoolRequest(string name) : PoolRequest(name);

    private sealed class ThirdPoolRequest(string name) : PoolRequest(name);
}

using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>The lock-free bounded queue between recording threads and an exporter, and the exporter's shutdown
/// racing with producers.</summary>
public class FragmentQueueTests
{
    [Fact]
    public void ProducersRacingForTheLastPlacesGetExactlyTheCapacityAndNothingIsLostOrRepeated()
    {
        const int Capacity = 1000;
        var queue = new FragmentQueue(Capacity);
        SpanFragment[] fragments = [.. Enumerable.Range(0, 4 * 5000).Select(_ => OtlpJsonSpanEncoder.Encode(Span(0)))];
        int accepted = 0;

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, producer =>
        {
            for (int i = 0; i < 5000; i++)
            {
                if (queue.TryAdd(fragments[(producer * 5000) + i]))
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        });

        Assert.Equal(Capacity, accepted);
        Assert.Equal(Capacity, queue.Count);
        var taken = new HashSet<SpanFragment>(ReferenceEqualityComparer.Instance);
        while (queue.TryTake(out SpanFragment? fragment))
        {
            Assert.True(taken.Add(fragment), "a span was taken twice");
        }

        Assert.Equal(Capacity, taken.Count);
        Assert.Equal(0, queue.Count);
        Assert.True(queue.TryAdd(fragments[0]), "a drained queue takes spans again");
    }

    [Fact]
    public void PeekingLeavesTheSpanForTheNextTakeInOrder()
    {
        var queue = new FragmentQueue(8);
        SpanFragment first = OtlpJsonSpanEncoder.Encode(Span(1));
        SpanFragment second = OtlpJsonSpanEncoder.Encode(Span(2));
        Assert.False(queue.TryPeek(out _));
        Assert.True(queue.TryAdd(first));
        Assert.True(queue.TryAdd(second));

        Assert.True(queue.TryPeek(out SpanFragment? peeked));
        Assert.Same(first, peeked);
        Assert.True(queue.TryPeek(out peeked));
        Assert.Same(first, peeked);
        Assert.Equal(2, queue.Count);

        Assert.True(queue.TryTake(out SpanFragment? taken));
        Assert.Same(first, taken);
        Assert.True(queue.TryTake(out taken));
        Assert.Same(second, taken);
        Assert.False(queue.TryTake(out _));
    }

    [Fact]
    public void SpansTakenForABatchKeepTheirPlacesUntilTheBatchIsCounted()
    {
        var queue = new FragmentQueue(2);
        SpanFragment first = OtlpJsonSpanEncoder.Encode(Span(1));
        SpanFragment second = OtlpJsonSpanEncoder.Encode(Span(2));
        Assert.True(queue.TryAdd(first));
        Assert.True(queue.TryAdd(second));

        // Taken in order, but the queue stays full until the batch gives its places back in one step.
        Assert.True(queue.TryTakeDeferred(out SpanFragment? taken));
        Assert.Same(first, taken);
        Assert.True(queue.TryTakeDeferred(out taken));
        Assert.Same(second, taken);
        Assert.False(queue.TryTakeDeferred(out _));
        Assert.Equal(2, queue.Count);
        Assert.False(queue.TryAdd(first), "the places of the batch are still taken");

        queue.CountTaken();
        Assert.Equal(0, queue.Count);
        Assert.True(queue.TryAdd(first));
        Assert.Equal(1, queue.Count);

        // Counting again gives back nothing more.
        queue.CountTaken();
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void AddingPeekingAndTakingInSteadyStateAllocatesNothing()
    {
        // ConcurrentQueue.TryPeek would pin the queue's storage, and every later add would allocate new storage.
        var queue = new FragmentQueue(64);
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(Span(0));
        void Cycle()
        {
            for (int i = 0; i < 40; i++)
            {
                queue.TryAdd(fragment);
            }

            while (queue.TryPeek(out _))
            {
                queue.TryTake(out _);
            }
        }

        for (int i = 0; i < 10; i++)
        {
            Cycle();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Cycle();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task ProducersRacingWithShutdownLoseNoSpanUncounted()
    {
        for (int round = 0; round < 20; round++)
        {
            await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
            OtlpDestinationOptions options = Options(receiver);
            options.ScheduledDelay = TimeSpan.FromMilliseconds(1);
            DestinationExporter exporter = Exporter(options);
            using var stop = new CancellationTokenSource();
            Task[] producers = [.. Enumerable.Range(0, 3).Select(p => Task.Run(() =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    Enqueue(exporter, Span(i));
                }
            }))];

            await Task.Delay(5 + round);
            await exporter.ShutdownAsync(TimeSpan.FromMilliseconds(50));
            await Task.Delay(2);
            stop.Cancel();
            await Task.WhenAll(producers);

            // Whatever was accepted was sent or dropped at shutdown, including spans added while the queue drained.
            DestinationStatistics stats = exporter.GetStatistics();
            Assert.True(stats.Offered > stats.Accepted, "producers kept offering after the shutdown");
            AssertAccounting(stats);

            // A send cut short by the shutdown may have been stored with its answer lost: counted as dropped.
            Assert.InRange(receiver.Spans.Count, stats.Exported, stats.Exported + stats.Dropped(DropReason.Shutdown));
        }
    }
}

/// <summary>A tree's spans queued in one step, and what happens when they cannot be.</summary>
public class EnqueueAllTests
{
    [Fact]
    public async Task ATreeThatFitsIsQueuedWholeAndDeliveredInOrder()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationExporter exporter = Exporter(Options(receiver));
        OtlpSpan[] spans = [Span(0), Span(1), Span(2)];

        EnqueueAll(exporter, spans.Select(s => OtlpJsonSpanEncoder.Encode(s)).ToArray());
        await FlushOrFail(exporter);

        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Offered);
        Assert.Equal(3, stats.Exported);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task ATreeThatDoesNotFitIsQueuedSpanBySpanAsFarAsItGoes()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.MaxQueueSize = 5;
        await using DestinationExporter exporter = Exporter(options);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(Enqueue(exporter, Span(i)));
        }

        // Three more do not fit in the two places left: all-or-nothing would drop all three.
        EnqueueAll(exporter, [.. Enumerable.Range(3, 3).Select(i => OtlpJsonSpanEncoder.Encode(Span(i)))]);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(6, stats.Offered);
        Assert.InRange(stats.Accepted, 5, 6); // the loop may have taken a batch out before the last one was offered
        Assert.Equal(6 - stats.Accepted, stats.Dropped(DropReason.QueueFull));
        await FlushOrFail(exporter);
        AssertAccounting(exporter.GetStatistics());
    }

    [Fact]
    public async Task ASpanInAnotherEncodingIsDroppedAloneAndAfterShutdownAllAreCounted()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationExporter exporter = Exporter(Options(receiver));
        OtlpSpan[] spans = [Span(0), Span(1), Span(2)];

        EnqueueAll(exporter, [OtlpJsonSpanEncoder.Encode(spans[0]), OtlpProtobufSpanEncoder.Encode(spans[1]), OtlpJsonSpanEncoder.Encode(spans[2])]);
        await FlushOrFail(exporter);

        Assert.Equal([spans[0].Name, spans[2].Name], StoredNames(receiver));
        Assert.Equal(1, exporter.GetStatistics().Dropped(DropReason.WrongEncoding));

        await exporter.ShutdownAsync(TimeSpan.FromSeconds(5));
        EnqueueAll(exporter, [.. spans.Select(s => OtlpJsonSpanEncoder.Encode(s))]);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Dropped(DropReason.Shutdown));
        AssertAccounting(stats);
    }

    /// <summary>Queues the fragments in one step and lets go of the caller's references, as the broadcaster does.</summary>
    private static void EnqueueAll(DestinationExporter exporter, SpanFragment[] fragments)
    {
        exporter.TryEnqueueAll(fragments);
        foreach (SpanFragment fragment in fragments)
        {
            fragment.Release();
        }
    }
}

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

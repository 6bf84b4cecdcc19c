using System.Collections.Concurrent;

namespace OtlpBroadcast.Export;

/// <summary>
/// The bounded queue between recording threads and a destination's exporter: many producers, one consumer. Adding
/// takes no lock (a counter reserves a place, then a lock-free queue holds the span), so request threads never wait
/// for each other or for the exporter; a bounded channel took its lock twice per span (to write and to count), and
/// the exporter took it again for every span it peeked and read.
/// </summary>
/// <remarks>
/// The consumer looks at the next span before taking it (a batch stops at its byte limit) through a look-ahead slot
/// of its own: <see cref="ConcurrentQueue{T}.TryPeek"/> would keep the queue from reusing its storage, and adding
/// would then allocate. Only the exporter's loop, or a drain once the loop has ended, may call the consumer methods.
/// </remarks>
internal sealed class FragmentQueue(int capacity)
{
    private readonly ConcurrentQueue<SpanFragment> _items = new();
    private SpanFragment? _next;
    private int _count;

    /// <summary>Spans taken by <see cref="TryTakeDeferred"/> whose places are not given back yet (consumer only).</summary>
    private int _takenNotCounted;

    /// <summary>Called on the adding thread right after a span went into the queue: lets a test stop a producer
    /// where a preempted thread could stop. Null outside tests.</summary>
    internal Action? QueuedForTests { get; set; }

    /// <summary>Spans added and not yet taken (a span counts from the moment its place is reserved).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds <paramref name="fragment"/> unless the queue is full; never waits.</summary>
    public bool TryAdd(SpanFragment fragment)
    {
        if (!TryReserve(1))
        {
            return false;
        }

        AddReserved(fragment);
        return true;
    }

    /// <summary>Reserves places for <paramref name="count"/> spans, all or none; each is then filled by
    /// <see cref="AddReserved"/>.</summary>
    public bool TryReserve(int count)
    {
        if (Interlocked.Add(ref _count, count) > capacity)
        {
            Interlocked.Add(ref _count, -count);
            return false;
        }

        return true;
    }

    /// <summary>Adds a span into a place reserved by <see cref="TryReserve"/>.</summary>
    public void AddReserved(SpanFragment fragment)
    {
        _items.Enqueue(fragment);
        QueuedForTests?.Invoke();
    }

    /// <summary>The next span, left in the queue (consumer only).</summary>
    public bool TryPeek([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpanFragment? fragment)
    {
        if (_next is null && !_items.TryDequeue(out _next))
        {
            fragment = null;
            return false;
        }

        fragment = _next;
        return true;
    }

    /// <summary>
    /// Takes the next span, keeping its place reserved until <see cref="CountTaken"/> (consumer only): a batch gives its
    /// places back in one step rather than one per span. The count is shared with every recording thread, so each
    /// change to it has to fetch it from the core that changed it last.
    /// </summary>
    public bool TryTakeDeferred([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpanFragment? fragment)
    {
        if (!TryPeek(out fragment))
        {
            return false;
        }

        _next = null;
        _takenNotCounted++;
        return true;
    }

    /// <summary>Gives back the places of the spans taken by <see cref="TryTakeDeferred"/> (consumer only).</summary>
    public void CountTaken()
    {
        if (_takenNotCounted > 0)
        {
            Interlocked.Add(ref _count, -_takenNotCounted);
            _takenNotCounted = 0;
        }
    }

    /// <summary>Takes the next span (consumer only).</summary>
    public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpanFragment? fragment)
    {
        if (!TryPeek(out fragment))
        {
            return false;
        }

        _next = null;
        Interlocked.Decrement(ref _count);
        return true;
    }
}

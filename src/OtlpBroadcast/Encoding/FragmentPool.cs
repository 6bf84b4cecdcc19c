using System.Collections.Concurrent;
using System.Numerics;

namespace OtlpBroadcast;

/// <summary>
/// Idle <see cref="SpanFragment"/>s, each with its array, by size. A fragment is filled on the request thread and
/// released on an exporter's thread after its batch is sent, hundreds of fragments later.
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps a few arrays per size per thread and per core, so arrays
/// rented on one thread and returned on another, with hundreds in flight, emptied it and every rental allocated a new
/// array. This pool keeps every fragment that comes back, whichever thread returns it, up to as many as the exporters'
/// queues can hold together (<see cref="AddQueueCapacity"/>; at least <see cref="MinimumPooled"/>): what the queues
/// held at their fullest is what the pool may keep, so that in steady state a fragment costs one dequeue and
/// allocates nothing, and the pool never keeps more memory than full queues would.
/// <para>
/// A request thread takes fragments of up to <see cref="MaximumStashedLength"/> bytes <see cref="StashBatch"/> at a
/// time into a stash of its own, and rents from there. A fragment comes back from an exporter's thread, on the other
/// core, and the first write to it had to wait for its memory to come over; taken together, the fragments of a batch
/// are written to back to back and come over together. A thread's stash holds at most <see cref="StashBatch"/>
/// fragments of each of those sizes (at most about 250 KB); they count as idle (<see cref="PooledCount"/>) for that
/// thread only. They are outside the pool's limit: idle memory is the limit above plus the stash of every thread that
/// recorded, which a thread keeps until it records again or ends (with hundreds of recording threads, tens of MB).
/// </para>
/// </summary>
internal static class FragmentPool
{
    /// <summary>The idle fragments kept even without any exporter.</summary>
    public const int MinimumPooled = 4096;

    /// <summary>The smallest array a fragment gets.</summary>
    public const int MinimumLength = 256;

    /// <summary>The largest pooled array (1 MiB); a larger span gets an array of its own size, not pooled.</summary>
    public const int MaximumPooledLength = MinimumLength << (SizeClassCount - 1);

    /// <summary>Fragments taken at once into a thread's stash.</summary>
    public const int StashBatch = 16;

    /// <summary>The largest fragment a thread stashes (8 KiB): larger ones come from the pool one at a time.</summary>
    public const int MaximumStashedLength = MinimumLength << (StashedClasses - 1);

    private const int StashedClasses = 6;

    private const int SizeClassCount = 13;

    private static readonly ConcurrentQueue<SpanFragment>[] Classes = CreateClasses();
    private static int s_pooled;
    private static long s_queueCapacity;

    /// <summary>The number of idle fragments now in the pool and in this thread's stash.</summary>
    public static int PooledCount => Volatile.Read(ref s_pooled) + (t_stash?.Count ?? 0);

    /// <summary>This thread's stash (see the class remarks); only this thread touches it.</summary>
    [ThreadStatic]
    private static Stash? t_stash;

    /// <summary>The most idle fragments the pool keeps now.</summary>
    public static long Limit => Math.Max(MinimumPooled, Volatile.Read(ref s_queueCapacity));

    /// <summary>An exporter's queue of <paramref name="fragments"/> started: the pool may keep that many more.</summary>
    public static void AddQueueCapacity(int fragments) => Interlocked.Add(ref s_queueCapacity, fragments);

    /// <summary>An exporter's queue of <paramref name="fragments"/> stopped: what the pool keeps beyond its new limit
    /// is let go.</summary>
    public static void RemoveQueueCapacity(int fragments)
    {
        Interlocked.Add(ref s_queueCapacity, -fragments);
        // The pool's own count: a thread's stash is not the pool's to trim.
        for (int sizeClass = SizeClassCount - 1; sizeClass >= 0 && Volatile.Read(ref s_pooled) > Limit; sizeClass--)
        {
            while (Volatile.Read(ref s_pooled) > Limit && Classes[sizeClass].TryDequeue(out _))
            {
                Interlocked.Decrement(ref s_pooled);
            }
        }
    }

    /// <summary>An idle fragment whose array holds at least <paramref name="length"/> bytes (a power of two from
    /// 256 B to 1 MiB, so at most twice the length asked for above 128 bytes).</summary>
    public static SpanFragment Rent(int length)
    {
        int sizeClass = SizeClassOf(length);
        if (sizeClass < 0)
        {
            return new SpanFragment(GC.AllocateUninitializedArray<byte>(length));
        }

        if (sizeClass < StashedClasses)
        {
            Stash stash = t_stash ??= new Stash();
            if (stash.TryTake(sizeClass, out SpanFragment? stashed) || (stash.Refill(sizeClass) && stash.TryTake(sizeClass, out stashed)))
            {
                return stashed;
            }
        }
        else if (Classes[sizeClass].TryDequeue(out SpanFragment? pooled))
        {
            Interlocked.Decrement(ref s_pooled);
            return pooled;
        }

        return new SpanFragment(GC.AllocateUninitializedArray<byte>(MinimumLength << sizeClass));
    }

    /// <summary>Takes back a fragment whose last reference was released.</summary>
    public static void Return(SpanFragment fragment)
    {
        int capacity = fragment.Capacity;
        int sizeClass = SizeClassOf(capacity);
        if (sizeClass < 0 || MinimumLength << sizeClass != capacity)
        {
            // An unpooled large array: the garbage collector takes it.
            return;
        }

        if (Interlocked.Increment(ref s_pooled) > Limit)
        {
            Interlocked.Decrement(ref s_pooled);
            return;
        }

        Classes[sizeClass].Enqueue(fragment);
    }

    /// <summary>The class whose arrays hold <paramref name="length"/> bytes, or -1 above the largest class.</summary>
    private static int SizeClassOf(int length)
    {
        if (length > MaximumPooledLength)
        {
            return -1;
        }

        if (length <= MinimumLength)
        {
            return 0;
        }

        // Log2 of the next power of two, relative to the smallest class.
        return BitOperations.Log2((uint)length - 1) + 1 - BitOperations.Log2(MinimumLength);
    }

    /// <summary>Up to <see cref="StashBatch"/> idle fragments of each stashed size, for one thread.</summary>
    private sealed class Stash
    {
        private readonly SpanFragment?[] _items = new SpanFragment?[StashedClasses * StashBatch];
        private readonly int[] _counts = new int[StashedClasses];

        /// <summary>The fragments held.</summary>
        public int Count => _counts.Sum();

        public bool TryTake(int sizeClass, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpanFragment? fragment)
        {
            int count = _counts[sizeClass];
            if (count == 0)
            {
                fragment = null;
                return false;
            }

            int slot = (sizeClass * StashBatch) + count - 1;
            fragment = _items[slot]!;
            _items[slot] = null;
            _counts[sizeClass] = count - 1;
            return true;
        }

        /// <summary>Takes up to a batch from the pool; <see langword="false"/> when it had none.</summary>
        public bool Refill(int sizeClass)
        {
            ConcurrentQueue<SpanFragment> pool = Classes[sizeClass];
            int first = sizeClass * StashBatch;
            int taken = 0;
            while (taken < StashBatch && pool.TryDequeue(out SpanFragment? fragment))
            {
                _items[first + taken++] = fragment;
            }

            if (taken == 0)
            {
                return false;
            }

            Interlocked.Add(ref s_pooled, -taken);

            // One write to each, back to back: see the class remarks.
            for (int i = first; i < first + taken; i++)
            {
                _items[i]!.Claim();
            }

            _counts[sizeClass] = taken;
            return true;
        }
    }

    private static ConcurrentQueue<SpanFragment>[] CreateClasses()
    {
        var classes = new ConcurrentQueue<SpanFragment>[SizeClassCount];
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] = new ConcurrentQueue<SpanFragment>();
        }

        return classes;
    }
}

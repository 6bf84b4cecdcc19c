using System.Collections.Concurrent;
using System.Numerics;

namespace OtlpBroadcast;

/// <summary>
/// Idle <see cref="SpanFragment"/>s, each with its array, by size. A fragment is filled on the request thread and
/// released on an exporter's thread after its batch is sent, hundreds of fragments later.
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps a few arrays per size per thread and per core, so arrays
/// rented on one thread and returned on another, with hundreds in flight, emptied it and every rental allocated a new
/// array. This pool keeps every fragment that comes back, whichever thread returns it, up to
/// <see cref="MaxRetainedBytes"/>: enough for the queues' usual contents, so that in steady state a fragment costs
/// one dequeue and allocates nothing.
/// </summary>
internal static class FragmentPool
{
    /// <summary>The most bytes of arrays the pool keeps while they are idle (fragments returned beyond it are left to
    /// the garbage collector): about twenty thousand typical spans, or several full default queues.</summary>
    public const long MaxRetainedBytes = 32 * 1024 * 1024;

    /// <summary>The smallest array a fragment gets.</summary>
    public const int MinimumLength = 256;

    /// <summary>The largest pooled array (1 MiB); a larger span gets an array of its own size, not pooled.</summary>
    public const int MaximumPooledLength = MinimumLength << (SizeClassCount - 1);

    private const int SizeClassCount = 13;

    private static readonly ConcurrentQueue<SpanFragment>[] Classes = CreateClasses();
    private static long s_retainedBytes;

    /// <summary>The bytes of the arrays of the idle fragments now in the pool.</summary>
    public static long RetainedBytes => Volatile.Read(ref s_retainedBytes);

    /// <summary>An idle fragment whose array holds at least <paramref name="length"/> bytes (a power of two from
    /// 256 B to 1 MiB, so at most twice the length asked for above 128 bytes).</summary>
    public static SpanFragment Rent(int length)
    {
        int sizeClass = SizeClassOf(length);
        if (sizeClass < 0)
        {
            return new SpanFragment(GC.AllocateUninitializedArray<byte>(length));
        }

        if (Classes[sizeClass].TryDequeue(out SpanFragment? pooled))
        {
            Interlocked.Add(ref s_retainedBytes, -pooled.Capacity);
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

        if (Interlocked.Add(ref s_retainedBytes, capacity) > MaxRetainedBytes)
        {
            Interlocked.Add(ref s_retainedBytes, -capacity);
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

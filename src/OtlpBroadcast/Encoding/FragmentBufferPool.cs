using System.Collections.Concurrent;
using System.Numerics;

namespace OtlpBroadcast;

/// <summary>
/// The arrays behind <see cref="SpanFragment"/>s. A fragment is filled on the request thread and released on an
/// exporter's thread after its batch is sent, hundreds of fragments later. <see cref="System.Buffers.ArrayPool{T}.Shared"/>
/// keeps a few arrays per size per thread and per core, so a steady stream of arrays that are rented on one thread and
/// returned on another, with hundreds in flight, empties it and every rental allocates a new array. This pool keeps
/// every returned array, whichever thread returns it, up to <see cref="MaxRetainedBytes"/>: enough for the queues'
/// usual contents, so that in steady state renting allocates nothing.
/// </summary>
internal static class FragmentBufferPool
{
    /// <summary>The most bytes the pool keeps while they are not in use (arrays returned beyond it are left to the
    /// garbage collector). About twenty thousand typical fragments, or a few full default queues.</summary>
    public const long MaxRetainedBytes = 32 * 1024 * 1024;

    /// <summary>The smallest array handed out.</summary>
    public const int MinimumLength = 64;

    /// <summary>The largest pooled array (1 MiB); a larger fragment gets an array of its own size, not pooled.</summary>
    public const int MaximumPooledLength = MinimumLength << (SizeClassCount - 1);

    private const int SizeClassCount = 15;

    private static readonly ConcurrentQueue<byte[]>[] Classes = CreateClasses();
    private static long s_retainedBytes;

    /// <summary>The bytes kept in the pool right now.</summary>
    public static long RetainedBytes => Volatile.Read(ref s_retainedBytes);

    /// <summary>An array of at least <paramref name="length"/> bytes (a power of two from 64 B to 1 MiB, so at most
    /// twice the length asked for); its contents are undefined.</summary>
    public static byte[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int sizeClass = SizeClassOf(length);
        if (sizeClass < 0)
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }

        if (Classes[sizeClass].TryDequeue(out byte[]? pooled))
        {
            Interlocked.Add(ref s_retainedBytes, -pooled.Length);
            return pooled;
        }

        return GC.AllocateUninitializedArray<byte>(MinimumLength << sizeClass);
    }

    /// <summary>Takes back an array from <see cref="Rent"/>; the caller must not use it afterwards.</summary>
    public static void Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        int sizeClass = SizeClassOf(array.Length);
        if (sizeClass < 0 || MinimumLength << sizeClass != array.Length)
        {
            // Not one of ours (an unpooled large array, or an empty one): the garbage collector takes it.
            return;
        }

        if (Interlocked.Add(ref s_retainedBytes, array.Length) > MaxRetainedBytes)
        {
            Interlocked.Add(ref s_retainedBytes, -array.Length);
            return;
        }

        Classes[sizeClass].Enqueue(array);
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

    private static ConcurrentQueue<byte[]>[] CreateClasses()
    {
        var classes = new ConcurrentQueue<byte[]>[SizeClassCount];
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] = new ConcurrentQueue<byte[]>();
        }

        return classes;
    }
}

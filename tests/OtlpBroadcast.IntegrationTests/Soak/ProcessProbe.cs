using System.Diagnostics;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// Samples the process's managed heap and working set in the background and keeps the peaks, from a baseline taken
/// when it starts (after a full collection); counts threads. Earlier tests of the same process leave memory behind,
/// so what a soak is judged by is growth over the baseline.
/// </summary>
internal sealed class ProcessProbe : IDisposable
{
    private readonly Thread _sampler;
    private volatile bool _stop;
    private long _peakHeap;
    private long _peakWorkingSet;

    public ProcessProbe()
    {
        BaselineLiveHeapBytes = LiveHeapBytes();
        BaselineWorkingSetBytes = Environment.WorkingSet;
        _sampler = new Thread(Sample) { IsBackground = true, Name = "soak-memory-probe" };
        _sampler.Start();
    }

    /// <summary>The live managed heap when the probe started.</summary>
    public long BaselineLiveHeapBytes { get; }

    /// <summary>The working set when the probe started.</summary>
    public long BaselineWorkingSetBytes { get; }

    /// <summary>The managed heap after a full, blocking collection: what is really held.</summary>
    public static long LiveHeapBytes() => GC.GetTotalMemory(forceFullCollection: true);

    /// <summary>The largest heap sampled, garbage not yet collected included.</summary>
    public long PeakHeapBytes => Volatile.Read(ref _peakHeap);

    public long PeakWorkingSetBytes => Volatile.Read(ref _peakWorkingSet);

    /// <summary>Threads that are not thread-pool workers (the pool grows and shrinks with load by itself); the
    /// smallest of a few readings, since the two counts are not read at the same instant.</summary>
    public static int NonPoolThreads()
    {
        int fewest = int.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            using Process process = Process.GetCurrentProcess();
            fewest = Math.Min(fewest, process.Threads.Count - ThreadPool.ThreadCount);
        }

        return fewest;
    }

    public static int AllThreads()
    {
        using Process process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    /// <summary>Waits up to <paramref name="patience"/> for the non-pool threads to be at most <paramref name="limit"/>;
    /// returns the last count.</summary>
    public static int WaitForNonPoolThreads(int limit, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        int count;
        while ((count = NonPoolThreads()) > limit && clock.Elapsed < patience)
        {
            Thread.Sleep(100);
        }

        return count;
    }

    public void Dispose()
    {
        _stop = true;
        _sampler.Join();
    }

    private void Sample()
    {
        while (!_stop)
        {
            Max(ref _peakHeap, GC.GetTotalMemory(forceFullCollection: false));
            Max(ref _peakWorkingSet, Environment.WorkingSet);
            Thread.Sleep(20);
        }
    }

    private static void Max(ref long peak, long value)
    {
        if (value > Volatile.Read(ref peak))
        {
            Volatile.Write(ref peak, value);
        }
    }
}

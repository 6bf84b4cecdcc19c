using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). On a
/// machine shared with other busy processes, wall-clock times mostly measure how often the benchmark thread was
/// preempted; CPU time measures the work itself. Background threads (exporters, GC) are not counted, which for the
/// recording benchmark is exactly the request-path cost.
/// </summary>
internal sealed partial class ThreadCpuClock : IClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static readonly ThreadCpuClock Instance = new();

    public string Title => "Thread CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => new(1_000_000_000);

    public long GetTimestamp()
    {
        if (clock_gettime(ClockThreadCpuTimeId, out TimeSpec time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

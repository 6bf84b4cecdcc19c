namespace OtlpBroadcast.Export;

/// <summary>
/// The wake-up of an exporter loop that runs on a thread of its own (<see cref="ExporterServices.MaxDedicatedExportThreads"/>):
/// <see cref="Set"/> from any thread, <see cref="Wait"/> on the loop's thread, which blocks without spinning.
/// </summary>
/// <remarks>
/// A <see cref="Set"/> is kept until a <see cref="Wait"/> takes it. One that comes while a wait is returning may be
/// taken by that wait: the loop looks for work after every wait, so what the set announced is found then. The event is
/// never disposed: without a wait handle asked for, it holds no operating-system resource, and a late
/// <see cref="Set"/> (a producer racing the shutdown) must not throw.
/// </remarks>
internal sealed class ThreadWakeSignal
{
    /// <summary>No spinning before blocking: the loop waits for a batch to fill or for the scheduled delay, both far
    /// longer than a spin.</summary>
    private readonly ManualResetEventSlim _event = new(initialState: false, spinCount: 0);

    /// <summary>Wakes the waiting loop, or the next wait. Allocates nothing (it runs on the request thread when a batch
    /// fills).</summary>
    public void Set() => _event.Set();

    /// <summary>Blocks until <see cref="Set"/> or until <paramref name="timeout"/> passes
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no limit); <see langword="true"/> when set.</summary>
    public bool Wait(TimeSpan timeout)
    {
        bool set = _event.Wait(timeout);
        _event.Reset();
        return set;
    }
}

using System.Threading.Tasks.Sources;

namespace OtlpBroadcast.Export;

/// <summary>
/// How recording threads wake an exporter's loop: an auto-reset signal with one waiter (the loop) and a timeout,
/// which <see cref="Set"/> completes without allocating. (A <see cref="SemaphoreSlim"/> waited on with a timeout
/// allocated a continuation object on the thread that released it, which here is the caller's request thread.) The
/// loop's continuation is queued to the thread pool, never run on the thread that calls <see cref="Set"/>.
/// </summary>
internal sealed class WakeSignal : IValueTaskSource<bool>, IDisposable
{
    private const int Idle = 0;
    private const int Signalled = 1;
    private const int Waiting = 2;

    private readonly Timer _timer;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;

    public WakeSignal() => _timer = new Timer(static signal => ((WakeSignal)signal!).Complete(signalled: false), this, Timeout.Infinite, Timeout.Infinite);

    /// <summary>Whether the loop is waiting now (for tests).</summary>
    internal bool IsWaiting => Volatile.Read(ref _state) == Waiting;

    /// <summary>
    /// Waits until <see cref="Set"/> is called (true; at once if it was called since the last wait) or
    /// <paramref name="timeout"/> passes (false; <see cref="Timeout.InfiniteTimeSpan"/> waits without one). The
    /// loop is the only waiter: a second wait must not start before the first completed.
    /// </summary>
    public ValueTask<bool> WaitAsync(TimeSpan timeout)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signalled) == Signalled)
        {
            return new ValueTask<bool>(true);
        }

        // Reset before the state says "waiting": a Set that sees it completes this wait, not the previous one.
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // Set in the meantime.
            Volatile.Write(ref _state, Idle);
            return new ValueTask<bool>(true);
        }

        if (timeout != Timeout.InfiniteTimeSpan)
        {
            // A late tick of an earlier wait can only end this one early, which the loop takes as a spurious wake.
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        }

        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>Wakes the waiting loop, or the next wait when none is waiting. Never blocks, never allocates.</summary>
    public void Set()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Waiting when Complete(signalled: true):
                    return;
                case Idle when Interlocked.CompareExchange(ref _state, Signalled, Idle) == Idle:
                    return;
                case Signalled:
                    return;
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Ends the current wait, if there is one: only the caller that moves the state off "waiting" does
    /// (a timeout and a <see cref="Set"/> at the same moment end it once).</summary>
    private bool Complete(bool signalled)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) != Waiting)
        {
            return false;
        }

        _core.SetResult(signalled);
        return true;
    }
}

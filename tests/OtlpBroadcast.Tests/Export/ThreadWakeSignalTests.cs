using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

/// <summary>The signal recording threads wake an exporter's loop with when it runs on a thread of its own: a set is kept
/// until a wait takes it, several sets before a wait are one wake, a wait ends at its timeout, and
/// <see cref="ThreadWakeSignal.Set"/> allocates nothing.</summary>
public class ThreadWakeSignalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void ASetBeforeTheWaitEndsItAtOnceAndOnlyOnce()
    {
        var signal = new ThreadWakeSignal();
        signal.Set();
        signal.Set();

        Assert.True(signal.Wait(Timeout.InfiniteTimeSpan));

        // Two sets before one wait are one wake: the next wait runs into its timeout.
        Assert.False(signal.Wait(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void ASetFromAnotherThreadEndsAWaitInProgress()
    {
        var signal = new ThreadWakeSignal();
        for (int i = 0; i < 100; i++)
        {
            bool woken = false;
            var waiter = new Thread(() => woken = signal.Wait(Patience));
            waiter.Start();

            // Set once the waiter is blocked in its wait.
            Assert.True(SpinWait.SpinUntil(() => (waiter.ThreadState & ThreadState.WaitSleepJoin) != 0, Patience), "the waiter did not wait");
            signal.Set();
            Assert.True(waiter.Join(Patience), "the wait did not end");
            Assert.True(woken, "the wait ran into its timeout");
        }
    }

    [Fact]
    public void AWaitWithoutASetEndsAfterItsTimeout()
    {
        var signal = new ThreadWakeSignal();
        long start = Environment.TickCount64;

        Assert.False(signal.Wait(TimeSpan.FromMilliseconds(30)));

        Assert.True(Environment.TickCount64 - start >= 25);
        signal.Set();
        Assert.True(signal.Wait(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void SettingWakesTheWaiterWithoutAllocatingOnTheSettersThread()
    {
        var signal = new ThreadWakeSignal();
        using var woken = new SemaphoreSlim(0);
        bool stop = false;
        const int WarmUp = 100;
        const int Measured = 500;

        // The loop: waits, counts the wake, waits again (on its own thread, as an exporter's loop).
        var loop = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                if (signal.Wait(Timeout.InfiniteTimeSpan))
                {
                    woken.Release();
                }
            }
        });
        loop.Start();

        // Each set comes after the previous wake was counted: the loop is then blocked in its wait, or about to be.
        long allocated = 0;
        for (int i = 0; i < WarmUp + Measured; i++)
        {
            long bytes = ExportTestKit.AllocatedBy(signal.Set);
            if (i >= WarmUp)
            {
                allocated += bytes;
            }

            Assert.True(woken.Wait(Patience), "the loop was not woken");
        }

        Volatile.Write(ref stop, true);
        signal.Set();
        Assert.True(loop.Join(Patience));
        Assert.True(allocated == 0, $"{allocated} bytes over {Measured} sets");
    }
}

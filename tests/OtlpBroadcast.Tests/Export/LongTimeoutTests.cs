using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// <see cref="Timeout.InfiniteTimeSpan"/> means no deadline, a timeout longer than a timer or a timestamp can count
/// is waited out all the same, and any other negative timeout is refused instead of read as "already passed".
/// </summary>
public class LongTimeoutTests
{
    /// <summary>Timeouts as ticks (attributes cannot hold a TimeSpan): Timeout.InfiniteTimeSpan, 50 days (more than a
    /// timer takes in one wait) and TimeSpan.MaxValue.</summary>
    public static TheoryData<long> NoOrLongTimeouts => [Timeout.InfiniteTimeSpan.Ticks, TimeSpan.FromDays(50).Ticks, TimeSpan.MaxValue.Ticks];

    [Theory]
    [MemberData(nameof(NoOrLongTimeouts))]
    public async Task AFlushWithNoOrAVeryLongTimeoutWaitsUntilTheSpansAreSent(long timeoutTicks)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var gate = new GatedHandler();
        await using DestinationExporter exporter = Exporter(Options(receiver), ExporterServices.WithHandler(gate, Resource));
        List<OtlpSpan> spans = EnqueueSpans(exporter, 3);

        Task<bool> flush = exporter.FlushAsync(TimeSpan.FromTicks(timeoutTicks));
        await gate.FirstRequestArrived.WaitAsync(Patience);
        Assert.False(flush.IsCompleted, "the flush ended while its spans were still being sent");
        gate.Open();

        Assert.True(await flush.WaitAsync(Patience));
        Assert.Equal(Names(spans), StoredNames(receiver));
    }

    [Theory]
    [MemberData(nameof(NoOrLongTimeouts))]
    public async Task AShutdownWithNoOrAVeryLongTimeoutSendsTheWholeQueue(long timeoutTicks)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var gate = new GatedHandler();
        DestinationExporter exporter = Exporter(Options(receiver), ExporterServices.WithHandler(gate, Resource));
        List<OtlpSpan> spans = EnqueueSpans(exporter, 3);

        Task shutdown = exporter.ShutdownAsync(TimeSpan.FromTicks(timeoutTicks));
        await gate.FirstRequestArrived.WaitAsync(Patience);
        Assert.False(shutdown.IsCompleted, "the shutdown ended while its spans were still being sent");
        gate.Open();
        await shutdown.WaitAsync(Patience);

        // All sent, none dropped by the shutdown.
        Assert.Equal(Names(spans), StoredNames(receiver));
        AssertAccounting(exporter.GetStatistics() with { Dropped = new Dictionary<DropReason, long>() });
    }

    [Fact]
    public async Task ANegativeTimeoutOtherThanInfiniteIsRefusedAndTheExporterGoesOn()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationExporter exporter = Exporter(Options(receiver));
        await using var registry = new DestinationRegistry(Services);
        TimeSpan negative = TimeSpan.FromSeconds(-5);
        EnqueueSpans(exporter, 1);

        ArgumentOutOfRangeException flush = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => exporter.FlushAsync(negative));
        ArgumentOutOfRangeException shutdown = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => exporter.ShutdownAsync(negative));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => registry.FlushAsync(negative));

        Assert.Equal("timeout", flush.ParamName);
        Assert.Contains("Timeout.InfiniteTimeSpan", shutdown.Message, StringComparison.Ordinal);
        Assert.True(exporter.IsRunning, "a refused shutdown stopped the exporter");
        EnqueueSpans(exporter, 1, firstIndex: 1);
        await FlushOrFail(exporter);
        Assert.Equal(2, exporter.GetStatistics().Exported);
    }
}

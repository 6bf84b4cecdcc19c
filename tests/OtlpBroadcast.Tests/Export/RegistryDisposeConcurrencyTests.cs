using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// Disposing a registry while it is already being disposed, or while a destination it let go of (removed, replaced)
/// is still sending what it had queued: the dispose returns only once every exporter it had has stopped.
/// </summary>
public sealed class RegistryDisposeConcurrencyTests
{
    [Fact]
    public async Task ASecondDisposeWaitsForTheFirstToSendWhatIsQueued()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var gate = new GatedHandler();
        DestinationRegistry registry = await GatedRegistryWithOneSpanAsync(receiver, gate);

        Task first = registry.DisposeAsync().AsTask();
        await gate.FirstRequestArrived.WaitAsync(Patience);

        // The first dispose is sending the queued span (held at the gate): the second must wait for it too.
        Task second = registry.DisposeAsync().AsTask();
        bool returnedEarly = second.IsCompleted;

        gate.Open();
        await Task.WhenAll(first, second).WaitAsync(Patience);
        Assert.False(returnedEarly, "a second dispose returned while the first was still sending what was queued");
        Assert.Equal("span-1", Assert.Single(receiver.Spans).Name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisposeWaitsForADestinationRemovedOrReplacedMeanwhileToStop(bool replace)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var gate = new GatedHandler();
        DestinationRegistry registry = await GatedRegistryWithOneSpanAsync(receiver, gate);
        DestinationExporter leaving = Assert.Single(registry.Exporters);

        // Removing (or replacing) flushes the old exporter, whose send is held at the gate.
        Task letGo = replace
            ? registry.AddAsync(OtlpDestination.Create(Options(receiver, "held")))
            : registry.RemoveAsync("held");
        await gate.FirstRequestArrived.WaitAsync(Patience);

        // The gate never opens: the old exporter gives its send up when its shutdown timeout (5 s) has passed, and only
        // then has it stopped. The dispose must not return before.
        Task<bool> stillRunningWhenDisposed = registry.DisposeAsync().AsTask()
            .ContinueWith(_ => leaving.IsRunning, TaskScheduler.Default);
        Assert.False(await stillRunningWhenDisposed.WaitAsync(Patience), "the dispose returned while a destination it had let go of was still sending");
        await letGo.WaitAsync(Patience);
        DestinationStatistics stats = leaving.GetStatistics();
        Assert.Equal(1, stats.Dropped(DropReason.Shutdown));
        AssertAccounting(stats);
    }

    /// <summary>A registry whose one destination, <c>held</c>, sends through <paramref name="gate"/>, with span-1
    /// queued.</summary>
    private static async Task<DestinationRegistry> GatedRegistryWithOneSpanAsync(OtlpTestReceiver receiver, GatedHandler gate)
    {
        var registry = new DestinationRegistry(new ExporterServices { Resource = Resource, HttpClient = new HttpClient(gate) });
        await registry.AddAsync(OtlpDestination.Create(Options(receiver, "held")));
        Publish(registry, Span(1));
        return registry;
    }

    private static void Publish(DestinationRegistry registry, OtlpSpan span)
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(span);
        registry.Publish(fragment);
        fragment.Release();
    }
}

using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>The exporter tells a listener about failures and drops as they happen.</summary>
public class ExportEventListenerTests
{
    [Fact]
    public async Task AFinalErrorIsReportedAsAFailureAndADropOfTheBatch()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.Status(401),
        });
        var listener = new RecordingListener();
        await using DestinationExporter exporter = Exporter(Options(receiver, "refusing"), new ExporterServices { Resource = Resource, Events = listener });

        EnqueueSpans(exporter, 3);
        await FlushOrFail(exporter);

        (string destination, string error, bool willRetry) = Assert.Single(listener.Failures);
        Assert.Equal("refusing", destination);
        Assert.Contains("401", error, StringComparison.Ordinal);
        Assert.False(willRetry);
        Assert.Equal(("refusing", DropReason.FinalHttpError, 3L), Assert.Single(listener.Drops));
    }

    [Fact]
    public async Task ARetriedFailureIsReportedWithWillRetry()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, index) => index == 0 ? ReceiverResponse.Status(503) : null,
        });
        var listener = new RecordingListener();
        await using DestinationExporter exporter = Exporter(Options(receiver), new ExporterServices { Resource = Resource, Events = listener });

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        Assert.True(Assert.Single(listener.Failures).WillRetry);
        Assert.Empty(listener.Drops);
        Assert.Single(receiver.Spans);
    }

    [Fact]
    public async Task AFullQueueReportsEachDropAndAThrowingListenerChangesNothing()
    {
        var listener = new RecordingListener { Throw = true };
        OtlpDestinationOptions options = Options(ClosedEndpoint());
        options.MaxQueueSize = 1;
        await using DestinationExporter exporter = Exporter(options, new ExporterServices { Resource = Resource, Events = listener });

        // The queue holds one span, and the exporter may already have taken the first one out to send it (the
        // closed endpoint keeps it busy retrying): spans are offered until one is refused, which is then the only drop.
        int offered = 0;
        while (Enqueue(exporter, Span(offered++)))
        {
            Assert.True(offered < 100, "a queue of one span never filled up");
        }

        Assert.InRange(offered, 2, 3);

        Assert.Equal(("test", DropReason.QueueFull, 1L), Assert.Single(listener.Drops));
        Assert.Equal(1, exporter.GetStatistics().Dropped(DropReason.QueueFull));
    }
}

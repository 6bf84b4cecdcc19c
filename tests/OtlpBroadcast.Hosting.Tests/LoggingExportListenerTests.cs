using Microsoft.Extensions.Logging;
using OtlpBroadcast.Export;
using OtlpBroadcast.Tests.Shared;

namespace OtlpBroadcast.Hosting.Tests;

/// <summary>Drops from a full queue come one span at a time on a hot path: they are summed, not logged one by one.</summary>
public class LoggingExportListenerTests
{
    [Fact]
    public void QueueFullDropsAreLoggedOncePerIntervalWithTheirSum()
    {
        var logs = new CapturingLoggerProvider();
        var time = new ManualTime();
        var listener = new LoggingExportListener(logs.CreateLogger("OtlpBroadcast"), time);

        listener.SpansDropped("d", DropReason.QueueFull, 1);
        for (int i = 0; i < 99; i++)
        {
            listener.SpansDropped("d", DropReason.QueueFull, 1);
        }

        Assert.Single(logs.Entries);
        time.Advance(LoggingExportListener.QueueFullInterval);
        listener.SpansDropped("d", DropReason.QueueFull, 1);

        Assert.Equal(2, logs.Entries.Count);
        Assert.Equal(1L, Count(logs.Entries.First()));
        Assert.Equal(100L, Count(logs.Entries.Last()));
    }

    [Fact]
    public void OtherDropsFailuresAndWarningsAreLoggedEachTimeAtTheirLevels()
    {
        var logs = new CapturingLoggerProvider();
        var listener = new LoggingExportListener(logs.CreateLogger("OtlpBroadcast"), TimeProvider.System);

        listener.SpansDropped("d", DropReason.FinalHttpError, 3);
        listener.SpansDropped("d", DropReason.FinalHttpError, 2);
        listener.ExportFailed("d", "HTTP 503", willRetry: true);
        listener.ExportFailed("d", "HTTP 401", willRetry: false);
        listener.ExportWarning("d", "the backend accepted all 2 spans with a warning: deprecated attribute");

        Assert.Equal(
            [(LogLevel.Warning, "SpansDropped"), (LogLevel.Warning, "SpansDropped"), (LogLevel.Information, "ExportRetrying"), (LogLevel.Warning, "ExportFailed"), (LogLevel.Warning, "ExportWarning")],
            logs.Entries.Select(e => (e.Level, e.EventId.Name)));
    }

    private static long Count(CapturingLoggerProvider.LogEntry entry) => (long)entry.Values.Single(v => v.Key == "Count").Value!;

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = TimeSpan.FromHours(1).Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}

using Microsoft.Extensions.Logging;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Hosting;

/// <summary>
/// The structured log of OtlpBroadcast in a host. Nothing logged here carries a header value: destinations are named,
/// endpoints are logged without their query, and errors are the exporter's own secret-free descriptions.
/// </summary>
internal static partial class OtlpBroadcastLog
{
    /// <summary>The logger category.</summary>
    public const string Category = "OtlpBroadcast";

    [LoggerMessage(EventId = 1, EventName = "ExportRetrying", Level = LogLevel.Information,
        Message = "Export to OTLP destination {Destination} failed and will be retried: {Error}")]
    public static partial void ExportRetrying(ILogger logger, string destination, string error);

    [LoggerMessage(EventId = 2, EventName = "ExportFailed", Level = LogLevel.Warning,
        Message = "Export to OTLP destination {Destination} failed: {Error}")]
    public static partial void ExportFailed(ILogger logger, string destination, string error);

    [LoggerMessage(EventId = 3, EventName = "SpansDropped", Level = LogLevel.Warning,
        Message = "{Count} span(s) for OTLP destination {Destination} were dropped ({Reason})")]
    public static partial void SpansDropped(ILogger logger, string destination, long count, DropReason reason);

    [LoggerMessage(EventId = 4, EventName = "DestinationAdded", Level = LogLevel.Information,
        Message = "OTLP destination {Destination} added: {Endpoint} (headers: {Headers}; privacy mode: {PrivacyMode}; enabled: {Enabled})")]
    public static partial void DestinationAdded(ILogger logger, string destination, string endpoint, string headers, bool privacyMode, bool enabled);

    [LoggerMessage(EventId = 5, EventName = "DestinationStopped", Level = LogLevel.Information,
        Message = "OTLP destination {Destination} stopped: {Exported} span(s) exported, {Rejected} rejected, {Dropped} dropped")]
    public static partial void DestinationStopped(ILogger logger, string destination, long exported, long rejected, long dropped);

    [LoggerMessage(EventId = 6, EventName = "FlushTimedOut", Level = LogLevel.Warning,
        Message = "OTLP destinations were not all flushed within {Timeout} at shutdown; what was left is dropped and counted")]
    public static partial void FlushTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 7, EventName = "ExportWarning", Level = LogLevel.Warning,
        Message = "OTLP destination {Destination} answered with a warning: {Warning}")]
    public static partial void ExportWarning(ILogger logger, string destination, string warning);

    /// <summary>An endpoint as logs may show it: no query string (some backends take keys there), no fragment.</summary>
    public static string SafeEndpoint(Uri endpoint) => endpoint.GetLeftPart(UriPartial.Path);
}

/// <summary>
/// Logs what exporters report. A full queue can drop a span per call on a hot path, so those drops are summed and
/// logged at most once per <see cref="QueueFullInterval"/> per destination.
/// </summary>
internal sealed class LoggingExportListener(ILogger logger, TimeProvider timeProvider) : IExportEventListener
{
    internal static readonly TimeSpan QueueFullInterval = TimeSpan.FromSeconds(10);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, QueueFullState> _queueFull = new(StringComparer.Ordinal);

    public void ExportFailed(string destination, string error, bool willRetry)
    {
        if (willRetry)
        {
            OtlpBroadcastLog.ExportRetrying(logger, destination, error);
        }
        else
        {
            OtlpBroadcastLog.ExportFailed(logger, destination, error);
        }
    }

    public void ExportWarning(string destination, string warning) => OtlpBroadcastLog.ExportWarning(logger, destination, warning);

    public void SpansDropped(string destination, DropReason reason, long count)
    {
        if (reason != DropReason.QueueFull)
        {
            OtlpBroadcastLog.SpansDropped(logger, destination, count, reason);
            return;
        }

        QueueFullState state = _queueFull.GetOrAdd(destination, static _ => new QueueFullState());
        long now = timeProvider.GetTimestamp();
        long total = Interlocked.Add(ref state.Unlogged, count);
        long last = Volatile.Read(ref state.LastLogged);
        bool due = last == 0 || timeProvider.GetElapsedTime(last, now) >= QueueFullInterval;
        if (due && Interlocked.CompareExchange(ref state.LastLogged, now, last) == last)
        {
            long logged = Interlocked.Exchange(ref state.Unlogged, 0);
            OtlpBroadcastLog.SpansDropped(logger, destination, logged > 0 ? logged : total, reason);
        }
    }

    private sealed class QueueFullState
    {
        public long Unlogged;
        public long LastLogged;
    }
}

namespace OtlpBroadcast.Export;

/// <summary>
/// Hears about export failures, dropped spans and backends' warnings as they happen (a host logs them). Calls come from the exporters'
/// background loops and, for a full queue, from the recording thread: keep them quick. What a listener throws is
/// swallowed. Nothing passed to it contains a header value.
/// </summary>
public interface IExportEventListener
{
    /// <summary>A request failed; <paramref name="willRetry"/> when the batch will be sent again.</summary>
    /// <param name="destination">The destination's name.</param>
    /// <param name="error">What went wrong, described without secrets.</param>
    /// <param name="willRetry">Whether another attempt follows.</param>
    void ExportFailed(string destination, string error, bool willRetry);

    /// <summary>Spans were dropped (and counted in <see cref="DestinationStatistics.Dropped"/>).</summary>
    /// <param name="destination">The destination's name.</param>
    /// <param name="reason">Why.</param>
    /// <param name="count">How many spans.</param>
    void SpansDropped(string destination, DropReason reason, long count);

    /// <summary>
    /// The backend accepted every span of a request but sent a warning: an OTLP partial success with no rejected spans
    /// and a message, which the specification gives servers for warnings and suggestions. Nothing is retried or
    /// dropped, and it is not an error (<see cref="DestinationStatistics.LastError"/> keeps what it had). Does nothing
    /// unless implemented.
    /// </summary>
    /// <param name="destination">The destination's name.</param>
    /// <param name="warning">The backend's message, without secrets.</param>
    void ExportWarning(string destination, string warning)
    {
    }
}

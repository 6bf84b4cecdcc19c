namespace OtlpBroadcast.Export;

/// <summary>Why spans were dropped instead of delivered.</summary>
public enum DropReason
{
    /// <summary>The destination's queue was full when the span was recorded.</summary>
    QueueFull,

    /// <summary>The backend answered with a status that is not retried (400, 401, 404, 500, …).</summary>
    FinalHttpError,

    /// <summary>Retryable failures went on past the attempts or the export timeout.</summary>
    RetriesExhausted,

    /// <summary>A single span is larger than the batch byte limit, or the backend answered 413 to it alone.</summary>
    TooLarge,

    /// <summary>The exporter shut down before the span could be sent.</summary>
    Shutdown,

    /// <summary>The span was encoded in another encoding than the destination sends (JSON for a protobuf destination,
    /// or the reverse): a programming error, counted instead of sending bytes the backend cannot read.</summary>
    WrongEncoding,

    /// <summary>The <see cref="DestinationNetworkPolicy"/> refused the destination's address (loopback, private,
    /// link-local, metadata, …), so nothing was sent.</summary>
    AddressRefused,

    /// <summary>The exporter itself failed while sending the batch (a fault of the SDK, not of the backend or the
    /// network; <see cref="DestinationStatistics.LastError"/> names the exception). The exporter goes on with the
    /// next batch.</summary>
    ExportFault,

    /// <summary>The span was encoded with content for a destination in privacy mode (a fragment whose
    /// <see cref="SpanFragment.ContentWithheld"/> is false): a programming error, counted instead of sending the
    /// content.</summary>
    ContentNotWithheld,
}

/// <summary>
/// A snapshot of one destination's counters. Nothing is lost unaccounted:
/// <c>Offered = Exported + Rejected + HandedOver + DroppedTotal + Pending</c>.
/// </summary>
public sealed record DestinationStatistics
{
    /// <summary>The destination's name.</summary>
    public required string Destination { get; init; }

    /// <summary>Spans handed to the destination (taken into its queue, or dropped at once).</summary>
    public long Offered { get; init; }

    /// <summary>Spans taken into the queue.</summary>
    public long Accepted { get; init; }

    /// <summary>Spans the backend accepted.</summary>
    public long Exported { get; init; }

    /// <summary>Spans the backend rejected in a partial success (never retried).</summary>
    public long Rejected { get; init; }

    /// <summary>Spans this destination had taken into its queue and not sent when it was replaced (saved again under
    /// its name), passed on to the destination that replaced it, which counts them again. A span offered after this
    /// exporter had stopped taking spans goes to the replacement straight away and is counted there only. Zero for a
    /// destination that was never replaced.</summary>
    public long HandedOver { get; init; }

    /// <summary>Spans dropped, by reason.</summary>
    public required IReadOnlyDictionary<DropReason, long> Dropped { get; init; }

    /// <summary>All dropped spans.</summary>
    public long DroppedTotal => Dropped.Values.Sum();

    /// <summary>Spans queued or in flight.</summary>
    public long Pending { get; init; }

    /// <summary>HTTP requests sent (retries included).</summary>
    public long Requests { get; init; }

    /// <summary>Requests that were retries.</summary>
    public long Retries { get; init; }

    /// <summary>Attribute values cut by a limit in the spans offered: strings past the destination's
    /// <c>MaxContentLength</c> (JSON content kept valid), <c>user.id</c>/<c>session.id</c> past 128 characters,
    /// arrays past 1024 items.</summary>
    public long TruncatedValues { get; init; }

    /// <summary>Attributes left out of the spans offered because a span had more than 128 (each such span says how
    /// many in its <c>droppedAttributesCount</c>).</summary>
    public long DroppedAttributes { get; init; }

    /// <summary>The last failure, described without secrets; <see langword="null"/> if none yet.</summary>
    public string? LastError { get; init; }

    /// <summary>When the last failure happened.</summary>
    public DateTimeOffset? LastErrorTime { get; init; }

    /// <summary>When the backend last accepted a request.</summary>
    public DateTimeOffset? LastSuccessTime { get; init; }

    /// <summary>Whether the destination's export loop runs on a thread of its own and sends synchronously (see
    /// <see cref="ExporterServices.MaxDedicatedExportThreads"/>); <see langword="false"/> when it shares the thread
    /// pool: beyond that limit, with a client given to <see cref="ExporterServices"/>, or when no thread could be
    /// started.</summary>
    public bool SendsFromOwnThread { get; init; }
}

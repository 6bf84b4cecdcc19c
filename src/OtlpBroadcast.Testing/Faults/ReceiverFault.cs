namespace OtlpBroadcast.Testing;

/// <summary>
/// How an <see cref="OtlpFaultReceiver"/> answers one request whose body decoded. Faults marked "stores" keep the
/// request's spans even though the client never learns it: a retry of that batch then stores them again, which is
/// the one duplicate an exporter cannot avoid.
/// </summary>
public enum ReceiverFault
{
    /// <summary>200; every span is stored.</summary>
    Accept,

    /// <summary>200 with a partial success: 1 to n of the n spans are rejected (the last ones of the request) and
    /// only the others are stored.</summary>
    PartialSuccess,

    /// <summary>429 with <c>Retry-After</c> (<see cref="OtlpFaultReceiverOptions.RetryAfter"/>); nothing stored.</summary>
    TooManyRequests,

    /// <summary>500, an error OTLP says not to retry; nothing stored.</summary>
    InternalServerError,

    /// <summary>503, retryable; nothing stored.</summary>
    ServiceUnavailable,

    /// <summary>413, so the exporter splits the batch (or gives up on a single span); nothing stored.</summary>
    PayloadTooLarge,

    /// <summary>Stores, then holds the answer until the client gives up (or <see cref="OtlpFaultReceiverOptions.MaxHang"/>
    /// passes, or the receiver stops) and drops the connection: the answer is lost.</summary>
    Hang,

    /// <summary>Drops the connection without answering; nothing stored.</summary>
    Reset,

    /// <summary>Stores, then drops the connection without answering: the answer is lost.</summary>
    ResetAfterStore,

    /// <summary>Stores, then starts a 200 whose <c>Content-Length</c> promises more body than is sent, and drops the
    /// connection after part of it: the answer is lost.</summary>
    CloseMidBody,
}

using Microsoft.Extensions.Logging;

namespace OtlpBroadcast.Testing;

/// <summary>How an <see cref="OtlpTestReceiver"/> checks and answers requests.</summary>
public sealed class OtlpTestReceiverOptions
{
    /// <summary>The largest request body (raw, and again after gunzip) before answering 413; 64 MiB by default.</summary>
    public const long DefaultMaxRequestBodyBytes = 64L * 1024 * 1024;

    /// <summary>Decode strictly (see <see cref="OtlpJsonTraceDecoder"/>); true by default.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// Chooses the answer to a POST to <c>/v1/traces</c>, given the request with the outcome the receiver
    /// would answer by default (its <see cref="ReceivedRequest.StatusCode"/>, <see cref="ReceivedRequest.DecodeError"/>
    /// and decoded <see cref="ReceivedRequest.Spans"/>) and its 0-based index among all requests since start.
    /// Null keeps the default answer. Called concurrently when requests overlap.
    /// </summary>
    public Func<ReceivedRequest, int, ReceiverResponse?>? Responder { get; init; }

    /// <summary>
    /// Headers every request must carry with exactly this value (names case-insensitive), like a backend's
    /// API key check; a request without them is answered 401.
    /// </summary>
    public IDictionary<string, string> RequiredHeaders { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The largest body accepted before answering 413, applied to the raw body and to the gunzipped body,
    /// so exporters' splitting of large batches can be tested with a small limit.
    /// </summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>Adds logging providers; the receiver logs nothing by default.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}

using System.Net;

namespace OtlpBroadcast.Export;

/// <summary>How one HTTP request of spans ended.</summary>
public enum ExportOutcome
{
    /// <summary>2xx: accepted (possibly with some spans rejected; see <see cref="ExportResult.RejectedSpans"/>).</summary>
    Success,

    /// <summary>Retryable status or no response; may succeed later.</summary>
    Retryable,

    /// <summary>413: the body is too large for the backend.</summary>
    TooLarge,

    /// <summary>Any other status: sending the same bytes again will not help.</summary>
    Final,

    /// <summary>The <see cref="DestinationNetworkPolicy"/> refused the destination's address: nothing was sent, and
    /// sending again will not help.</summary>
    Refused,
}

/// <summary>The result of one HTTP request of spans to a destination.</summary>
public readonly record struct ExportResult
{
    /// <summary>How it ended.</summary>
    public required ExportOutcome Outcome { get; init; }

    /// <summary>The HTTP status, when a response arrived.</summary>
    public HttpStatusCode? StatusCode { get; init; }

    /// <summary>Spans the backend reported as rejected in a partial success.</summary>
    public long RejectedSpans { get; init; }

    /// <summary>The backend's message (partial success or error body), or what went wrong without a response.
    /// Never contains a header value.</summary>
    public string? Message { get; init; }

    /// <summary>A 2xx whose body could not be read (a gzip body that does not unpack): <see cref="Message"/> says why,
    /// and it is a problem to report, not the backend's warning.</summary>
    internal bool AnswerUnread { get; init; }

    /// <summary>For a 3xx: where its <c>Location</c> points, as scheme, host and port only (never a path, query or
    /// user), redacted; <see langword="null"/> when it names no other place (absent, or relative to the endpoint).</summary>
    internal string? RedirectTarget { get; init; }

    /// <summary>The delay the backend asked for in <c>Retry-After</c>, if any.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>How long the request took.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>A one-line description, e.g. <c>HTTP 401 (Unauthorized): invalid API key</c>.</summary>
    public override string ToString()
    {
        string status = StatusCode is { } code ? $"HTTP {(int)code} ({code})" : Outcome == ExportOutcome.Refused ? "not sent" : "no response";
        return string.IsNullOrEmpty(Message) ? status : $"{status}: {Message}";
    }
}

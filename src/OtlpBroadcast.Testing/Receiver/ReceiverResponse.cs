using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>
/// How the receiver answers one request: a status, body and headers, optionally after a delay or by
/// resetting the connection. Use the factories and adjust them with <c>with { ... }</c>.
/// </summary>
public sealed record ReceiverResponse
{
    /// <summary>The HTTP status code; 200 by default.</summary>
    public int StatusCode { get; init; } = 200;

    /// <summary>The body; null means <c>{}</c> for 200 and no body otherwise.</summary>
    public string? Body { get; init; }

    /// <summary>The Content-Type of a non-empty body; null means <c>application/json</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>Extra response headers, e.g. <c>Retry-After</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Time to wait before answering. The wait ends early when the client gives up (the request is then
    /// recorded with <see cref="ReceivedRequest.ClientAborted"/> and its spans are not stored) or the
    /// receiver stops. <see cref="Timeout.InfiniteTimeSpan"/> waits for one of those.
    /// </summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Reset the connection instead of answering (after <see cref="Delay"/>).</summary>
    public bool AbortConnection { get; init; }

    /// <summary>
    /// Send the status, the headers (with the whole body's <c>Content-Length</c>) and the first half of the body, then
    /// hold the rest until the client gives up or the receiver stops, and drop the connection: a server or proxy that
    /// stalls inside its answer. The request is recorded with its status before the answer starts.
    /// </summary>
    public bool StallBody { get; init; }

    /// <summary>Whether the decoded spans count as accepted; null means "only for a 2xx status".</summary>
    public bool? StoreSpans { get; init; }

    /// <summary>The body that is sent.</summary>
    internal string EffectiveBody => Body ?? (StatusCode == 200 ? "{}" : "");

    /// <summary>Whether the decoded spans count as accepted.</summary>
    internal bool EffectiveStoreSpans => StoreSpans ?? StatusCode is >= 200 and < 300;

    /// <summary>Answers with the status, and <c>{}</c> when it is 200.</summary>
    public static ReceiverResponse Status(int statusCode) => new() { StatusCode = CheckStatus(statusCode) };

    /// <summary>Answers with the status and <c>Retry-After</c> in whole seconds (rounded up).</summary>
    public static ReceiverResponse RetryAfter(int statusCode, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        var seconds = (long)Math.Ceiling(delay.TotalSeconds);
        return WithRetryAfter(statusCode, seconds.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Answers with the status and <c>Retry-After</c> as an HTTP-date.</summary>
    public static ReceiverResponse RetryAfter(int statusCode, DateTimeOffset retryAt)
        => WithRetryAfter(statusCode, retryAt.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture));

    /// <summary>
    /// Answers 200 with <c>{"partialSuccess":{"rejectedSpans":..,"errorMessage":..}}</c>; the count is a
    /// string as the OTLP JSON mapping says, or a number as some receivers send. A protobuf request is answered with
    /// the same partial success as a protobuf <c>ExportTraceServiceResponse</c>. The spans are stored.
    /// </summary>
    public static ReceiverResponse PartialSuccess(long rejectedSpans, string errorMessage, bool rejectedAsString = true)
    {
        ArgumentNullException.ThrowIfNull(errorMessage);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("partialSuccess");
            if (rejectedAsString)
            {
                writer.WriteString("rejectedSpans", rejectedSpans.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                writer.WriteNumber("rejectedSpans", rejectedSpans);
            }

            writer.WriteString("errorMessage", errorMessage);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return new ReceiverResponse
        {
            Body = Encoding.UTF8.GetString(buffer.ToArray()),
            PartialSuccessRejectedSpans = rejectedSpans,
            PartialSuccessErrorMessage = errorMessage,
        };
    }

    /// <summary>Set by <see cref="PartialSuccess"/>: the answer to a protobuf request is then the protobuf
    /// <c>ExportTraceServiceResponse</c> with these values instead of <see cref="Body"/>.</summary>
    internal long? PartialSuccessRejectedSpans { get; init; }

    internal string? PartialSuccessErrorMessage { get; init; }

    /// <summary>Answers 200 only after <paramref name="duration"/>, to test the exporter's timeout.</summary>
    public static ReceiverResponse Hang(TimeSpan duration) => new() { Delay = duration };

    /// <summary>Resets the connection without answering.</summary>
    public static ReceiverResponse Abort() => new() { AbortConnection = true };

    /// <summary>Answers 200 with a JSON body of exactly <paramref name="bytes"/> bytes (at least 16).</summary>
    public static ReceiverResponse Oversized(int bytes)
    {
        const string Prefix = "{\"padding\":\"";
        const string Suffix = "\"}";
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 16);
        return new ReceiverResponse { Body = Prefix + new string('x', bytes - Prefix.Length - Suffix.Length) + Suffix };
    }

    private static ReceiverResponse WithRetryAfter(int statusCode, string value)
        => new() { StatusCode = CheckStatus(statusCode), Headers = new Dictionary<string, string> { ["Retry-After"] = value } };

    private static int CheckStatus(int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        return statusCode;
    }
}

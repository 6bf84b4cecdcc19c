using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace OtlpBroadcast.Export;

/// <summary>
/// What the OTLP specification says about retrying: only 429, 502, 503, 504 and failures without a response are
/// retried; <c>Retry-After</c> wins over the computed backoff; otherwise exponential backoff with jitter.
/// </summary>
public static class RetryPolicy
{
    /// <summary>The largest delta-seconds <c>Retry-After</c> taken as written (a day); a larger number counts as a day.</summary>
    private const long MaxRetryAfterSeconds = 86_400;

    /// <summary>Whether a response with this status may succeed if sent again.</summary>
    public static bool IsRetryable(HttpStatusCode status)
        => status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>
    /// The backoff before retry number <paramref name="retry"/> (1 for the first retry): the initial backoff grown
    /// 1.5 times per retry, capped at <paramref name="max"/>, then jittered to between 80 % and 120 % of that.
    /// </summary>
    public static TimeSpan Backoff(int retry, TimeSpan initial, TimeSpan max, double random01)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        double baseTicks = Math.Min(initial.Ticks * Math.Pow(1.5, retry - 1), max.Ticks);
        double jitter = 0.8 + (0.4 * Math.Clamp(random01, 0, 1));
        return TimeSpan.FromTicks((long)(baseTicks * jitter));
    }

    /// <summary>
    /// Reads a <c>Retry-After</c> value: delta-seconds (<c>120</c>) or an HTTP-date
    /// (<c>Fri, 31 Dec 1999 23:59:59 GMT</c>, or the obsolete <c>Friday, 31-Dec-99 23:59:59 GMT</c> and
    /// <c>Fri Dec 31 23:59:59 1999</c>) relative to <paramref name="now"/>. A date in the past gives zero. Delta-seconds
    /// are capped at a day, also when they have too many digits to count.
    /// </summary>
    public static bool TryParseRetryAfter(string? value, DateTimeOffset now, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        value = value.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            delay = TimeSpan.FromSeconds(Math.Min(seconds, MaxRetryAfterSeconds));
            return true;
        }

        if (!value.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            // Delta-seconds too large for a long: RFC 9111 1.2.2 reads such a number as a very long time. Ignored, the
            // backend's request to wait would become the short computed backoff.
            delay = TimeSpan.FromSeconds(MaxRetryAfterSeconds);
            return true;
        }

        // The HTTP stack's own parser takes all three HTTP-date formats (RFC 9110 5.6.7: IMF-fixdate, and the obsolete
        // RFC 850 and asctime() forms, which a recipient must accept too).
        if (RetryConditionHeaderValue.TryParse(value, out RetryConditionHeaderValue? condition) && condition.Date is { } date)
        {
            delay = date > now ? date - now : TimeSpan.Zero;
            return true;
        }

        return false;
    }
}

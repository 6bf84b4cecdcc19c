using System.Net;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

public class RetryPolicyTests
{
    [Theory]
    [InlineData(429, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(408, false)]
    [InlineData(413, false)]
    [InlineData(500, false)]
    [InlineData(501, false)]
    public void RetriesOnlyTheStatusesTheSpecificationNames(int status, bool retryable)
        => Assert.Equal(retryable, RetryPolicy.IsRetryable((HttpStatusCode)status));

    [Fact]
    public void BackoffGrowsByHalfAndIsCapped()
    {
        TimeSpan initial = TimeSpan.FromSeconds(1);
        TimeSpan max = TimeSpan.FromSeconds(5);
        // random01 = 0.5 is the middle of the jitter range: no jitter.
        Assert.Equal(TimeSpan.FromSeconds(1), RetryPolicy.Backoff(1, initial, max, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(1.5), RetryPolicy.Backoff(2, initial, max, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(2.25), RetryPolicy.Backoff(3, initial, max, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryPolicy.Backoff(10, initial, max, 0.5));
    }

    [Fact]
    public void JitterStaysWithinTwentyPercent()
    {
        TimeSpan initial = TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.FromSeconds(0.8), RetryPolicy.Backoff(1, initial, initial, 0));
        Assert.Equal(TimeSpan.FromSeconds(1.2), RetryPolicy.Backoff(1, initial, initial, 1));
        var random = new Random(42);
        for (int i = 0; i < 1000; i++)
        {
            TimeSpan backoff = RetryPolicy.Backoff(1 + (i % 6), initial, TimeSpan.FromSeconds(5), random.NextDouble());
            Assert.InRange(backoff, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(6));
        }
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData(" 120 ", 120)]
    public void ReadsRetryAfterSeconds(string value, int seconds)
    {
        Assert.True(RetryPolicy.TryParseRetryAfter(value, DateTimeOffset.UnixEpoch, out TimeSpan delay));
        Assert.Equal(TimeSpan.FromSeconds(seconds), delay);
    }

    [Theory]
    [InlineData("86401")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999999999")]
    public void AHugeRetryAfterIsReadAsTheLongestWaitNotIgnored(string value)
    {
        // RFC 9111 1.2.2: delta-seconds too large to represent mean "a very long time", not "unreadable"; ignored, the
        // backend's request to wait became the short computed backoff and it was sent to again at once.
        Assert.True(RetryPolicy.TryParseRetryAfter(value, DateTimeOffset.UnixEpoch, out TimeSpan delay));
        Assert.Equal(TimeSpan.FromDays(1), delay);
    }

    [Fact]
    public void ReadsRetryAfterHttpDateRelativeToNow()
    {
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        Assert.True(RetryPolicy.TryParseRetryAfter("Sat, 28 Nov 2026 12:00:30 GMT", now, out TimeSpan delay));
        Assert.Equal(TimeSpan.FromSeconds(30), delay);
    }

    [Theory]
    [InlineData("Saturday, 28-Nov-26 12:00:30 GMT")]
    [InlineData("Sat Nov 28 12:00:30 2026")]
    [InlineData("Sun Nov  8 12:00:30 2026", -20)]
    public void ReadsRetryAfterInTheObsoleteHttpDateFormatsRecipientsMustAccept(string value, int days = 0)
    {
        // RFC 9110 5.6.7: a recipient that parses an HTTP-date must accept RFC 850 dates and asctime() dates too.
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero).AddDays(days);
        Assert.True(RetryPolicy.TryParseRetryAfter(value, now, out TimeSpan delay));
        Assert.Equal(TimeSpan.FromSeconds(30), delay);
    }

    [Fact]
    public void ADateInThePastMeansRetryNow()
    {
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        Assert.True(RetryPolicy.TryParseRetryAfter("Sat, 28 Nov 2026 11:00:00 GMT", now, out TimeSpan delay));
        Assert.Equal(TimeSpan.Zero, delay);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public void IgnoresUnreadableRetryAfter(string? value)
        => Assert.False(RetryPolicy.TryParseRetryAfter(value, DateTimeOffset.UnixEpoch, out _));
}

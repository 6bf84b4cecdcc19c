using System.Globalization;
using System.Net;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>Fault injection, as exporter tests use it.</summary>
public class OtlpTestReceiverResponderTests
{
    [Fact]
    public async Task ResponderChoosesTheStatusByRequestIndex()
    {
        var seen = new List<(int Index, int DefaultStatus)>();
        var options = new OtlpTestReceiverOptions
        {
            Responder = (request, index) =>
            {
                lock (seen)
                {
                    seen.Add((index, request.StatusCode));
                }

                return index == 0 ? ReceiverResponse.Status(503) : null;
            },
        };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var first = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());
        using var second = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("", await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal([(0, 200), (1, 200)], seen);
        Assert.Equal([503, 200], receiver.Requests.Select(r => r.StatusCode));
        Assert.Equal([false, true], receiver.Requests.Select(r => r.SpansStored));
        Assert.Equal("#0 POST /v1/traces -> 503, 1 span not stored", receiver.Requests[0].ToString());
        Assert.Single(receiver.Spans);
    }

    [Fact]
    public async Task ResponderSeesTheDecodeErrorAndMayOverrideTheAnswer()
    {
        string? error = null;
        var options = new OtlpTestReceiverOptions
        {
            Responder = (request, _) =>
            {
                error = request.DecodeError;
                return ReceiverResponse.Status(200);
            },
        };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var response = await client.PostJsonAsync(receiver, "{\"resourceSpans\":1}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("resourceSpans: expected an array, found number 1", error);
        Assert.Equal(error, Assert.Single(receiver.Requests).DecodeError);
    }

    [Fact]
    public async Task RetryAfterInSecondsOrAsAnHttpDate()
    {
        var retryAt = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, index) => index == 0
                ? ReceiverResponse.RetryAfter(429, TimeSpan.FromMilliseconds(2500))
                : ReceiverResponse.RetryAfter(503, retryAt),
        };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var seconds = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());
        using var date = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());

        Assert.Equal(HttpStatusCode.TooManyRequests, seconds.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), seconds.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, date.StatusCode);
        Assert.Equal("Wed, 02 Jan 2030 01:04:05 GMT", Assert.Single(date.Headers.GetValues("Retry-After")));
        Assert.Equal(retryAt, date.Headers.RetryAfter?.Date);
        Assert.Empty(receiver.Spans);
    }

    [Theory]
    [InlineData(true, "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"dup \\u0022id\\u0022\"}}")]
    [InlineData(false, "{\"partialSuccess\":{\"rejectedSpans\":2,\"errorMessage\":\"dup \\u0022id\\u0022\"}}")]
    public async Task PartialSuccessWithTheCountAsStringOrNumber(bool asString, string expected)
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.PartialSuccess(2, "dup \"id\"", asString) };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
        Assert.Single(receiver.Spans);
    }

    [Fact]
    public async Task AbortResetsTheConnectionWithoutAnswer()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Abort() };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostJsonAsync(receiver, OtlpSamples.OneSpan()));

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(0, request.StatusCode);
        Assert.False(request.SpansStored);
        Assert.Single(request.Spans);
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task HangOutlastsTheClientTimeout()
    {
        var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, _) =>
            {
                read.TrySetResult();
                return ReceiverResponse.Hang(Timeout.InfiniteTimeSpan);
            },
        };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();
        using var giveUp = new CancellationTokenSource();

        // The client gives up once the receiver has read the request, however long that takes on a busy machine (a
        // fixed client timeout sometimes ran out before the receiver had read the request, which then never arrived).
        Task<HttpResponseMessage> post = client.PostJsonAsync(receiver, OtlpSamples.OneSpan(), cancellationToken: giveUp.Token);
        await read.Task.WaitAsync(ReceiverClient.Patience);
        await giveUp.CancelAsync();
        await Assert.ThrowsAsync<TaskCanceledException>(() => post);

        var request = await receiver.WaitForRequestAsync(0, ReceiverClient.Patience);
        Assert.True(request.ClientAborted);
        Assert.Equal(0, request.StatusCode);
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task HangAnswersAfterTheDelay()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Hang(TimeSpan.FromMilliseconds(200)) };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), clock.Elapsed.ToString());
        Assert.Single(receiver.Spans);
    }

    [Fact]
    public async Task DisposingEndsAHangingAnswer()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Hang(Timeout.InfiniteTimeSpan) };
        var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();
        var post = client.PostJsonAsync(receiver, OtlpSamples.OneSpan());
        await Task.Delay(200);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await receiver.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => post);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task ASecondDisposeReturnsOnlyWhenTheFirstHasStopped()
    {
        // A hanging answer keeps the stop busy for a moment: the second call used to return at once, while the first
        // was still stopping the server.
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Hang(Timeout.InfiniteTimeSpan) };
        var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();
        var post = client.PostJsonAsync(receiver, OtlpSamples.OneSpan());
        await Task.Delay(200);

        ValueTask first = receiver.DisposeAsync();
        ValueTask second = receiver.DisposeAsync();
        await second;

        Assert.True(first.IsCompleted, "the second dispose returned while the first was still stopping");
        await first;
        await Assert.ThrowsAsync<HttpRequestException>(() => post);
    }

    [Fact]
    public async Task OversizedAnswersWithABodyOfTheGivenSize()
    {
        const int Size = 5 * 1024 * 1024;
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Oversized(Size) };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Size, response.Content.Headers.ContentLength);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Size, body.Length);
        Assert.StartsWith("{\"padding\":\"xxx", System.Text.Encoding.UTF8.GetString(body, 0, 16), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreSpansOverridesTheStatusRule()
    {
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, index) => index == 0
                ? ReceiverResponse.Status(200) with { StoreSpans = false }
                : ReceiverResponse.Status(500) with { StoreSpans = true, Body = "oops", ContentType = "text/plain" },
        };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var dropped = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan(spanId: "0000000000000001"));
        using var kept = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan(spanId: "0000000000000002"));

        Assert.Equal(HttpStatusCode.InternalServerError, kept.StatusCode);
        Assert.Equal("text/plain", kept.Content.Headers.ContentType?.MediaType);
        Assert.Equal("oops", await kept.Content.ReadAsStringAsync());
        Assert.Equal("0000000000000002", Assert.Single(receiver.Spans).SpanId);
    }

    [Fact]
    public async Task AThrowingResponderAnswers500()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => throw new InvalidOperationException("bad test") };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("responder threw InvalidOperationException: bad test", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void RetryAfterRoundsSecondsUp()
        => Assert.Equal(
            "1",
            ReceiverResponse.RetryAfter(503, TimeSpan.FromMilliseconds(1)).Headers["Retry-After"].ToString(CultureInfo.InvariantCulture));
}

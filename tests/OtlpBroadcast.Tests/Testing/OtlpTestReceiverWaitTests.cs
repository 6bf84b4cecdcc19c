using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

public class OtlpTestReceiverWaitTests
{
    [Fact]
    public async Task WaitForSpansTimesOutSayingHowManyArrived()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();
        (await client.PostJsonAsync(receiver, OtlpSamples.OneSpan())).Dispose();
        (await client.PostJsonAsync(receiver, OtlpSamples.OneSpan("\"kind\":9"))).Dispose();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => receiver.WaitForSpansAsync(3, TimeSpan.FromMilliseconds(200)));

        Assert.Equal(
            "Timed out after 0.2 s waiting for 3 spans but 1 span was accepted; 2 requests received:\n"
            + "  #0 POST /v1/traces -> 200, 1 span\n"
            + "  #1 POST /v1/traces -> 400, resourceSpans[0].scopeSpans[0].spans[0].kind: expected an integer 0..5 (span kind), found number 9",
            error.Message);
    }

    [Fact]
    public async Task WaitForSpansReturnsOnceEnoughArrive()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();

        var waiting = receiver.WaitForSpansAsync(2, ReceiverClient.Patience);
        (await client.PostJsonAsync(receiver, OtlpSamples.OneSpan(spanId: "0000000000000001"))).Dispose();
        Assert.False(waiting.IsCompleted);
        (await client.PostJsonAsync(receiver, OtlpSamples.OneSpan(spanId: "0000000000000002"))).Dispose();

        var spans = await waiting;
        Assert.Equal(["0000000000000001", "0000000000000002"], spans.Select(s => s.SpanId));
    }

    [Fact]
    public async Task ConcurrentPostsAreAllRecorded()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();

        var posts = Enumerable.Range(1, 20).Select(async i =>
        {
            using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan(spanId: i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)));
        });
        await Task.WhenAll(posts);

        Assert.Equal(20, (await receiver.WaitForSpansAsync(20, ReceiverClient.Patience)).Count);
        Assert.Equal(Enumerable.Range(0, 20), receiver.Requests.Select(r => r.Index).Order());
    }

    [Fact]
    public async Task ClearForgetsRequestsAndSpansButIndexesKeepCounting()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();
        (await client.PostJsonAsync(receiver, OtlpSamples.OneSpan())).Dispose();

        receiver.Clear();
        Assert.Empty(receiver.Requests);
        Assert.Empty(receiver.Spans);
        (await client.PostJsonAsync(receiver, OtlpSamples.OneSpan())).Dispose();

        var requests = await receiver.WaitForRequestsAsync(1, ReceiverClient.Patience);
        Assert.Equal(1, Assert.Single(requests).Index);
        Assert.Single(receiver.Spans);
    }

    [Fact]
    public async Task WaitForRequestTimesOutNamingTheIndex()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => receiver.WaitForRequestAsync(0, TimeSpan.FromMilliseconds(50)));

        Assert.Equal("Timed out after 0.05 s waiting for request #0 to be answered; 0 requests received.", error.Message);
    }

    [Fact]
    public async Task WaitHonoursCancellation()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiver.WaitForRequestsAsync(1, Timeout.InfiniteTimeSpan, cancel.Token));
    }
}

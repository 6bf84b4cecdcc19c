using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>The fault receiver does what each fault promises, draws the same faults for the same seed, and counts
/// stored, lost and rejected spans exactly. Requests are plain HttpClient posts of hand-written bodies.</summary>
public class OtlpFaultReceiverTests
{
    private static readonly TimeSpan ShortHang = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task AcceptStoresEverySpanAndAnswersTheEmptySuccess()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.Accept);
        using HttpClient client = Client();

        using HttpResponseMessage response = await PostAsync(client, receiver, Body(0, 3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        FaultRequest request = Assert.Single(receiver.Requests);
        Assert.Equal(ReceiverFault.Accept, request.Fault);
        Assert.Equal((3, 3, 0, true), (request.SpanCount, request.StoredSpans, request.RejectedSpans, request.AnswerDelivered));
        FaultReceiverSummary summary = receiver.Summarize();
        Assert.Equal(3, summary.StoredUnique);
        Assert.Equal(3, summary.StoredOnDeliveredAnswers);
        Assert.Equal(0, summary.StoredOnLostAnswersOnly);
        Assert.Equal(0, summary.DuplicateStores);
    }

    [Fact]
    public async Task PartialSuccessRejectsTheLastSpansAndStoresOnlyTheOthers()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.PartialSuccess);
        using HttpClient client = Client();

        using HttpResponseMessage response = await PostAsync(client, receiver, Body(0, 5));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        long rejected = long.Parse(answer.RootElement.GetProperty("partialSuccess").GetProperty("rejectedSpans").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(rejected, 1, 5);
        FaultRequest request = Assert.Single(receiver.Requests);
        Assert.Equal(rejected, request.RejectedSpans);
        Assert.Equal(5 - rejected, request.StoredSpans);
        FaultReceiverSummary summary = receiver.Summarize();
        Assert.Equal(rejected, summary.RejectedSpans);
        Assert.Equal(5 - rejected, summary.StoredUnique);
        Assert.Equal(5, summary.DistinctSpansReceived);
    }

    [Theory]
    [InlineData(ReceiverFault.TooManyRequests, 429)]
    [InlineData(ReceiverFault.InternalServerError, 500)]
    [InlineData(ReceiverFault.ServiceUnavailable, 503)]
    [InlineData(ReceiverFault.PayloadTooLarge, 413)]
    public async Task ErrorStatusesStoreNothing(ReceiverFault fault, int status)
    {
        await using OtlpFaultReceiver receiver = await StartAsync(fault, new OtlpFaultReceiverOptions { RetryAfter = TimeSpan.FromSeconds(1.5) });
        using HttpClient client = Client();

        using HttpResponseMessage response = await PostAsync(client, receiver, Body(0, 2));

        Assert.Equal(status, (int)response.StatusCode);
        if (status == 429)
        {
            Assert.Equal("2", Assert.Single(response.Headers.GetValues("Retry-After")));
        }

        FaultRequest request = Assert.Single(receiver.Requests);
        Assert.Equal((fault, status, 0, true), (request.Fault, request.StatusCode, request.StoredSpans, request.AnswerDelivered));
        FaultReceiverSummary summary = receiver.Summarize();
        Assert.Equal(0, summary.StoredUnique);
        Assert.Equal(status == 500 ? 2 : 0, summary.FinalErrorSpans);
    }

    [Fact]
    public async Task APayloadTooLargeForOneSpanIsCountedAsOneThatCannotBeSplit()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.PayloadTooLarge);
        using HttpClient client = Client();

        using HttpResponseMessage single = await PostAsync(client, receiver, Body(0, 1));
        using HttpResponseMessage pair = await PostAsync(client, receiver, Body(1, 2));

        Assert.Equal(1, receiver.Summarize().TooLargeSingleSpans);
    }

    [Fact]
    public async Task HangStoresThenHoldsTheAnswerUntilTheClientGivesUp()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.Hang);
        using HttpClient client = Client();
        using var giveUp = new CancellationTokenSource();

        // The client gives up once the receiver has stored the batch, however long that takes on a busy machine (a
        // fixed client timeout of 2 s was sometimes shorter than that under a parallel test run).
        Task<HttpResponseMessage> post = PostAsync(client, receiver, Body(0, 3), giveUp.Token);
        await WaitUntilAsync(() => receiver.Requests.Count > 0);
        Assert.False(post.IsCompleted, "the receiver answered a hung request");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);

        FaultRequest request = Assert.Single(receiver.Requests);
        Assert.Equal((ReceiverFault.Hang, 3, false), (request.Fault, request.StoredSpans, request.AnswerDelivered));
        FaultReceiverSummary summary = receiver.Summarize();
        Assert.Equal(3, summary.StoredUnique);
        Assert.Equal(0, summary.StoredOnDeliveredAnswers);
        Assert.Equal(3, summary.StoredOnLostAnswersOnly);
    }

    [Fact]
    public async Task HangEndsAfterMaxHangWithoutAnAnswer()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.Hang, new OtlpFaultReceiverOptions { MaxHang = ShortHang });
        using HttpClient client = Client();

        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, receiver, Body(0, 1)));

        Assert.False(Assert.Single(receiver.Requests).AnswerDelivered);
    }

    [Theory]
    [InlineData(ReceiverFault.Reset, 0)]
    [InlineData(ReceiverFault.ResetAfterStore, 2)]
    public async Task ResetDropsTheConnectionWithoutAnAnswer(ReceiverFault fault, int stored)
    {
        await using OtlpFaultReceiver receiver = await StartAsync(fault);
        using HttpClient client = Client();

        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, receiver, Body(0, 2)));

        FaultRequest request = Assert.Single(receiver.Requests);
        Assert.Equal((0, stored, false), (request.StatusCode, request.StoredSpans, request.AnswerDelivered));
        Assert.Equal(stored, receiver.Summarize().StoredOnLostAnswersOnly);
    }

    [Fact]
    public async Task CloseMidBodyPromisesMoreThanItSends()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.CloseMidBody);
        using HttpClient client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, receiver.TracesEndpoint) { Content = ReceiverClient.Content(Body(0, 2), "application/json") };

        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        long promised = response.Content.Headers.ContentLength ?? 0;
        Assert.True(promised > 0, "the cut answer promises a body length");
        using Stream answer = await response.Content.ReadAsStreamAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => answer.CopyToAsync(Stream.Null));

        FaultRequest recorded = Assert.Single(receiver.Requests);
        Assert.Equal((200, 2, false), (recorded.StatusCode, recorded.StoredSpans, recorded.AnswerDelivered));
        Assert.Equal(2, receiver.Summarize().StoredOnLostAnswersOnly);
    }

    [Fact]
    public async Task ASpanStoredOnALostAnswerAndThenDeliveredIsAnExplainedDuplicate()
    {
        var options = new OtlpFaultReceiverOptions
        {
            Script = [ReceiverFault.ResetAfterStore, ReceiverFault.Accept, ReceiverFault.Accept],
            Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.Accept),
        };
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(options);
        using HttpClient client = Client();
        byte[] body = Body(0, 2);

        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, receiver, body));
        (await PostAsync(client, receiver, body)).Dispose();
        FaultReceiverSummary afterRetry = receiver.Summarize();
        (await PostAsync(client, receiver, body)).Dispose();
        FaultReceiverSummary afterResend = receiver.Summarize();

        // A retry after a lost answer: the second copy is unavoidable.
        Assert.Equal((2L, 4L, 2L, 0L, 0L), (afterRetry.StoredUnique, afterRetry.StoredTotal, afterRetry.DuplicateStores, afterRetry.ResentAfterConfirmation, afterRetry.StoredOnLostAnswersOnly));

        // Sending again what the receiver had confirmed is not.
        Assert.Equal((4L, 2L), (afterResend.DuplicateStores, afterResend.ResentAfterConfirmation));
    }

    [Fact]
    public async Task AConfirmedSpanSentAgainIsCaughtEvenWhenTheSecondAnswerIsLost()
    {
        var options = new OtlpFaultReceiverOptions
        {
            Script = [ReceiverFault.Accept, ReceiverFault.ResetAfterStore],
            Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.Accept),
        };
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(options);
        using HttpClient client = Client();
        using HttpClient another = Client();
        byte[] body = Body(0, 3);

        (await PostAsync(client, receiver, body)).Dispose();
        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(another, receiver, body));

        FaultReceiverSummary summary = receiver.Summarize();
        Assert.Equal((3L, 3L, 3L), (summary.StoredOnDeliveredAnswers, summary.DuplicateStores, summary.ResentAfterConfirmation));
    }

    [Fact]
    public async Task TheSameSeedDrawsTheSameFaultsAndAnotherSeedOthers()
    {
        var options = new OtlpFaultReceiverOptions { Seed = 42, MaxHang = ShortHang };
        List<ReceiverFault?> first = await FaultsOf(options, requests: 40);
        List<ReceiverFault?> again = await FaultsOf(options, requests: 40);
        List<ReceiverFault?> other = await FaultsOf(new OtlpFaultReceiverOptions { Seed = 43, MaxHang = ShortHang }, requests: 40);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(first.Distinct().Count() >= 4, "the default weights mix several faults");
    }

    [Fact]
    public async Task ResetStartsTheSequenceAgain()
    {
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions { Seed = 7, MaxHang = ShortHang });
        List<ReceiverFault?> first = await SendAsync(receiver, 10);
        receiver.Reset();
        List<ReceiverFault?> again = await SendAsync(receiver, 10);
        receiver.Reset(seed: 8);
        List<ReceiverFault?> reseeded = await SendAsync(receiver, 10);

        Assert.Equal(first, again);
        Assert.NotEqual(first, reseeded);
        Assert.Equal(10, receiver.Requests.Count);
    }

    [Fact]
    public async Task ABodyThatDoesNotDecodeIsRefusedWithoutAFault()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.Accept);
        using HttpClient client = Client();

        using HttpResponseMessage response = await PostAsync(client, receiver, OtlpSamples.Utf8("""{"resourceSpans":[{"bogus":1}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        FaultRequest request = Assert.Single(receiver.Requests);
        Assert.Null(request.Fault);
        Assert.Contains("bogus", request.Error, StringComparison.Ordinal);
        Assert.Equal(1, receiver.Summarize().RefusedRequests);
    }

    [Fact]
    public async Task ABodyTheClientStopsSendingIsCountedAsUnreadNotAsRefused()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.Accept);
        using HttpClient client = Client();
        using var giveUp = new CancellationTokenSource();
        var content = new HalfSentContent(Body(0, 2));

        // The client gives up once half the body is on its way, however long that takes on a busy machine (a fixed
        // client timeout once timed the client out before the receiver had seen the request at all).
        Task<HttpResponseMessage> post = client.PostAsync(receiver.TracesEndpoint, content, giveUp.Token);
        await content.HalfSent.WaitAsync(ReceiverClient.Patience);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);
        await WaitUntilAsync(() => receiver.Requests.Count > 0);

        FaultRequest request = Assert.Single(receiver.Requests);
        Assert.Equal((null, 0), (request.Fault, request.StatusCode));
        FaultReceiverSummary summary = receiver.Summarize();
        Assert.Equal((1, 0, 0L), (summary.UnreadRequests, summary.RefusedRequests, summary.StoredUnique));
    }

    [Fact]
    public async Task BodiesAreKeptOnlyWhenAskedButAlwaysShownToTheObserver()
    {
        var observed = new List<FaultRequest>();
        var options = new OtlpFaultReceiverOptions { Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.Accept), OnRequest = r => { lock (observed) { observed.Add(r); } } };
        await using OtlpFaultReceiver forgetful = await OtlpFaultReceiver.StartAsync(options);
        await using OtlpFaultReceiver keeping = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions { Weights = options.Weights, KeepBodies = true });
        using HttpClient client = Client();
        byte[] body = Body(0, 1);

        (await PostAsync(client, forgetful, body)).Dispose();
        (await PostAsync(client, keeping, body)).Dispose();

        Assert.True(Assert.Single(forgetful.Requests).Body.IsEmpty);
        Assert.Equal(body, Assert.Single(observed).Body.ToArray());
        Assert.Single(observed[0].Spans);
        FaultRequest kept = Assert.Single(keeping.Requests);
        Assert.Equal(body, kept.DecompressedBody.ToArray());
        Assert.Single(kept.Spans);
    }

    [Fact]
    public async Task AnObserverThatThrowsIsCountedNotFatal()
    {
        var options = new OtlpFaultReceiverOptions { Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.Accept), OnRequest = _ => throw new InvalidOperationException("observer broke") };
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(options);
        using HttpClient client = Client();

        using HttpResponseMessage response = await PostAsync(client, receiver, Body(0, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        FaultReceiverSummary summary = receiver.Summarize();
        Assert.Equal(1, summary.ObserverFailures);
        Assert.Equal("InvalidOperationException: observer broke", summary.LastObserverFailure);
    }

    [Fact]
    public async Task StoppedItRefusesConnectionsAndResumedItListensOnTheSamePortWithItsRecord()
    {
        await using OtlpFaultReceiver receiver = await StartAsync(ReceiverFault.Accept);
        using HttpClient client = Client();
        (await PostAsync(client, receiver, Body(0, 1))).Dispose();
        Uri endpoint = receiver.TracesEndpoint;

        await receiver.StopListeningAsync();
        Assert.False(receiver.IsListening);
        HttpRequestException refused = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, receiver, Body(1, 1)));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);

        await receiver.ResumeListeningAsync();
        Assert.True(receiver.IsListening);
        Assert.Equal(endpoint, receiver.TracesEndpoint);
        (await PostAsync(client, receiver, Body(2, 1))).Dispose();
        Assert.Equal(2, receiver.Summarize().StoredUnique);
        Assert.Equal([0, 1], receiver.Requests.Select(r => r.Index));
    }

    [Fact]
    public async Task UnusableWeightsAreRefusedWithTheReason()
    {
        ArgumentException negative = await Assert.ThrowsAsync<ArgumentException>(() => OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions
        {
            Weights = new Dictionary<ReceiverFault, int> { [ReceiverFault.Accept] = 1, [ReceiverFault.Hang] = -1 },
        }));
        Assert.Contains("Hang is -1", negative.Message, StringComparison.Ordinal);

        ArgumentException none = await Assert.ThrowsAsync<ArgumentException>(() => OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions
        {
            Weights = new Dictionary<ReceiverFault, int> { [ReceiverFault.Accept] = 0 },
        }));
        Assert.Contains("positive weight", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProtobufExporterCountsThePartialSuccessTheReceiverAnswered()
    {
        var options = new OtlpFaultReceiverOptions { Weights = OtlpFaultReceiverOptions.Only(ReceiverFault.PartialSuccess), Seed = 3 };
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver.TracesEndpoint);
        destination.Protocol = OtlpProtocol.HttpProtobuf;
        await using DestinationExporter exporter = Exporter(destination);

        for (int i = 0; i < 6; i++)
        {
            SpanFragment fragment = SpanEnvelopes.Encode(SpanEncoding.Protobuf, Span(i), includeContent: true);
            Assert.True(exporter.TryEnqueue(fragment));
            fragment.Release();
        }

        await FlushOrFail(exporter);

        FaultReceiverSummary summary = receiver.Summarize();
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(0, summary.RefusedRequests);
        Assert.True(summary.RejectedSpans > 0);
        Assert.Equal(summary.RejectedSpans, stats.Rejected);
        Assert.Equal(summary.StoredOnDeliveredAnswers, stats.Exported);
        AssertAccounting(stats);
    }

    private static Task<OtlpFaultReceiver> StartAsync(ReceiverFault fault, OtlpFaultReceiverOptions? options = null)
    {
        options ??= new OtlpFaultReceiverOptions();
        return OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions
        {
            Weights = OtlpFaultReceiverOptions.Only(fault),
            RetryAfter = options.RetryAfter,
            MaxHang = options.MaxHang,
        });
    }

    /// <summary>A fresh client per test: its first request goes over a new connection, which the handler never
    /// retries by itself.</summary>
    private static HttpClient Client(TimeSpan? timeout = null) => ReceiverClient.Create(timeout);

    /// <summary>Waits until <paramref name="condition"/> holds; fails after <see cref="ReceiverClient.Patience"/>.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < ReceiverClient.Patience, "the receiver did not see the request in time");
            await Task.Delay(20);
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, OtlpFaultReceiver receiver, byte[] body, CancellationToken cancellationToken = default)
        => client.PostAsync(receiver.TracesEndpoint, ReceiverClient.Content(body, "application/json"), cancellationToken);

    /// <summary>An OTLP JSON body of <paramref name="count"/> spans with ids <c>first</c>, <c>first+1</c>, ….</summary>
    private static byte[] Body(int first, int count)
    {
        IEnumerable<string> spans = Enumerable.Range(first + 1, count).Select(id => $$"""
            {"traceId":"{{OtlpSamples.TraceId}}","spanId":"{{id:x16}}","name":"s{{id}}","startTimeUnixNano":"1","endTimeUnixNano":"2"}
            """);
        return OtlpSamples.Utf8($$"""{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"t"},"spans":[{{string.Join(',', spans)}}]}]}]}""");
    }

    private static async Task<List<ReceiverFault?>> FaultsOf(OtlpFaultReceiverOptions options, int requests)
    {
        await using OtlpFaultReceiver receiver = await OtlpFaultReceiver.StartAsync(options);
        return await SendAsync(receiver, requests);
    }

    /// <summary>Sends requests one by one, each over a new connection, and returns the faults they met.</summary>
    private static async Task<List<ReceiverFault?>> SendAsync(OtlpFaultReceiver receiver, int requests)
    {
        int before = receiver.Requests.Count;
        for (int i = 0; i < requests; i++)
        {
            // A hang ends after MaxHang on its own; the timeout only bounds a request that never gets an answer. 5 s
            // was too short for a connection to be made while the CI machine ran the other test projects (it failed
            // once waiting for a connection, and that request then never reached the receiver).
            using HttpClient client = Client(TimeSpan.FromSeconds(30));
            try
            {
                (await PostAsync(client, receiver, Body(i * 10, 3))).Dispose();
            }
            catch (HttpRequestException)
            {
                // Resets, hangs and cut answers.
            }
        }

        return [.. receiver.Requests.Skip(before).Select(r => r.Fault)];
    }

    /// <summary>Promises a whole body, sends half of it, then waits until the request is cancelled.</summary>
    private sealed class HalfSentContent(byte[] body) : HttpContent
    {
        private readonly TaskCompletionSource _halfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes once the first half of the body is written and flushed.</summary>
        public Task HalfSent => _halfSent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            _halfSent.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}

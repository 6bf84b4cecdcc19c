using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>How the exporter meets the failures a backend produces: retries, give-ups, splits and counts. The exporters
/// that send with the SDK's own HTTP client run on threads of their own and send synchronously (the default); the
/// class below runs every test again with them on the thread pool, sending asynchronously.</summary>
public class DestinationExporterFaultTests
{
    /// <summary>How many of the exporters here that use the SDK's own client may run on threads of their own (each
    /// test's services are its own, so every one of them does, or none).</summary>
    protected virtual int DedicatedThreads => 16;

    /// <summary>The kit's exporter, by default with the SDK's own client and this class's threading; services given
    /// must ask for the same threading (a client given sends on the thread pool whatever they ask).</summary>
    private DestinationExporter Exporter(OtlpDestinationOptions options, ExporterServices? services = null)
    {
        services ??= new ExporterServices { Resource = Resource, MaxDedicatedExportThreads = DedicatedThreads };
        Assert.True(!services.UsesOwnClient || services.MaxDedicatedExportThreads == DedicatedThreads, "The services ask for the other threading.");
        return ExportTestKit.Exporter(options, services);
    }

    [Fact]
    public async Task TooManyRequestsWithRetryAfterSecondsIsRetriedOnceAfterTheWait()
    {
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, index) => index == 0 ? ReceiverResponse.RetryAfter(429, TimeSpan.FromSeconds(1)) : null,
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        List<OtlpSpan> spans = EnqueueSpans(exporter, 3);
        await FlushOrFail(exporter);

        AssertNoDecodeErrors(receiver);
        Assert.Equal([429, 200], receiver.Requests.Select(r => r.StatusCode));
        Assert.Equal(Names(spans), StoredNames(receiver));

        // The computed backoff is at most 50 ms here: only Retry-After explains a second or more.
        TimeSpan gap = receiver.Requests[1].ReceivedAt - receiver.Requests[0].ReceivedAt;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"the retry came {gap.TotalMilliseconds:0} ms after the 429, before Retry-After: 1");

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Exported);
        Assert.Equal(2, stats.Requests);
        Assert.Equal(1, stats.Retries);
        Assert.StartsWith("HTTP 429 (TooManyRequests)", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task RetryAfterAsAnHttpDateIsHonoured()
    {
        var options = new OtlpTestReceiverOptions
        {
            // The date has whole seconds; two seconds ahead leaves at least one second of wait after truncation.
            Responder = (_, index) => index == 0 ? ReceiverResponse.RetryAfter(503, DateTimeOffset.UtcNow.AddSeconds(2)) : null,
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        List<OtlpSpan> spans = EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        Assert.Equal([503, 200], receiver.Requests.Select(r => r.StatusCode));
        Assert.Equal(Names(spans), StoredNames(receiver));
        TimeSpan gap = receiver.Requests[1].ReceivedAt - receiver.Requests[0].ReceivedAt;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"the retry came {gap.TotalMilliseconds:0} ms after the 503, before the Retry-After date");
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Exported);
        Assert.Equal(1, stats.Retries);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task ARetryAfterBeyondTheExportTimeoutGivesUpAtOnce()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.RetryAfter(429, TimeSpan.FromMinutes(10)) };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver);
        destination.ExportTimeout = TimeSpan.FromSeconds(5);
        await using DestinationExporter exporter = Exporter(destination);

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        Assert.Single(receiver.Requests);
        Assert.Empty(receiver.Spans);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Dropped(DropReason.RetriesExhausted));
        Assert.Equal(0, stats.Retries);
        Assert.Contains("429", stats.LastError, StringComparison.Ordinal);
        Assert.Contains("gave up after 1 attempt", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task RetryableStatusesAreRetriedUntilDelivered(int status)
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, index) => index == 0 ? ReceiverResponse.Status(status) : null };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        List<OtlpSpan> spans = EnqueueSpans(exporter, 4);
        await FlushOrFail(exporter);

        AssertNoDecodeErrors(receiver);
        Assert.Equal([status, 200], receiver.Requests.Select(r => r.StatusCode));
        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(4, stats.Exported);
        Assert.Equal(2, stats.Requests);
        Assert.Equal(1, stats.Retries);
        Assert.Equal(0, stats.DroppedTotal);
        Assert.Contains($"HTTP {status}", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(500)]
    public async Task OtherErrorStatusesAreNotRetried(int status)
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Status(status) };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        EnqueueSpans(exporter, 3);
        Assert.True(await exporter.FlushAsync(Patience), "a final error settles the spans, so the flush completes");

        Assert.Equal([status], receiver.Requests.Select(r => r.StatusCode));
        Assert.Empty(receiver.Spans);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Retries);
        Assert.Equal(0, stats.Exported);
        Assert.Equal(3, stats.Dropped(DropReason.FinalHttpError));
        Assert.Equal(3, stats.DroppedTotal);
        Assert.StartsWith($"HTTP {status} ", stats.LastError, StringComparison.Ordinal);
        Assert.NotNull(stats.LastErrorTime);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task A413SplitsTheBatchInHalvesUntilEveryPartIsAccepted()
    {
        const int MaxSpansPerRequest = 3;
        var options = new OtlpTestReceiverOptions
        {
            Responder = (request, _) => request.Spans.Count > MaxSpansPerRequest ? ReceiverResponse.Status(413) : null,
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver);
        destination.MaxExportBatchSize = 10;
        await using DestinationExporter exporter = Exporter(destination);

        // The tenth span fills the batch and wakes the loop: one batch of exactly 10.
        List<OtlpSpan> spans = EnqueueSpans(exporter, 10);
        await FlushOrFail(exporter);

        AssertNoDecodeErrors(receiver);
        Assert.Equal([10, 5, 2, 3, 5, 2, 3], receiver.Requests.Select(r => r.Spans.Count));
        Assert.Equal([413, 413, 200, 200, 413, 200, 200], receiver.Requests.Select(r => r.StatusCode));
        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(10, stats.Exported);
        Assert.Equal(7, stats.Requests);
        Assert.Equal(0, stats.Retries);
        Assert.Equal(0, stats.DroppedTotal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task SplitHalvesShareTheBatchsExportTimeout()
    {
        // Every single-span request takes 0.6 s; four of them need 2.4 s, more than the batch's 1.5 s budget.
        var options = new OtlpTestReceiverOptions
        {
            Responder = (request, _) => request.Spans.Count > 1
                ? ReceiverResponse.Status(413)
                : ReceiverResponse.Hang(TimeSpan.FromMilliseconds(600)),
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver);
        destination.MaxExportBatchSize = 4;
        destination.ExportTimeout = TimeSpan.FromSeconds(1.5);
        await using DestinationExporter exporter = Exporter(destination);

        EnqueueSpans(exporter, 4);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.True(stats.Dropped(DropReason.RetriesExhausted) >= 1, $"expected the shared deadline to cut the last halves; exported {stats.Exported}");
        Assert.True(stats.Exported <= 3);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task A413ForASingleSpanDropsItAsTooLarge()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Status(413) };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        Assert.Equal([413], receiver.Requests.Select(r => r.StatusCode));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Dropped(DropReason.TooLarge));
        Assert.Equal(1, stats.DroppedTotal);
        Assert.Equal(0, stats.Retries);
        Assert.StartsWith("HTTP 413 ", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AReceiverByteLimitIsMetBySplitting()
    {
        var spans = Enumerable.Range(0, 8).Select(i => Span(i).With("padding", new string('z', 400))).ToList();

        // The receiver takes three of these spans in one request, not four.
        var options = new OtlpTestReceiverOptions { MaxRequestBodyBytes = Encoding(spans.Take(3)).Length };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver);
        destination.MaxExportBatchSize = 8;
        await using DestinationExporter exporter = Exporter(destination);

        foreach (OtlpSpan span in spans)
        {
            Assert.True(Enqueue(exporter, span));
        }

        await FlushOrFail(exporter);

        // 8 -> 413, 4 -> 413, 2 and 2 accepted, 4 -> 413, 2 and 2 accepted.
        Assert.Equal([413, 413, 200, 200, 413, 200, 200], receiver.Requests.Select(r => r.StatusCode));
        Assert.All(receiver.Requests.Where(r => r.StatusCode == 200), r => Assert.Equal(2, r.Spans.Count));
        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(8, stats.Exported);
        Assert.Equal(7, stats.Requests);
        Assert.Equal(0, stats.DroppedTotal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task ConnectionRefusedIsRetriedUpToMaxAttemptsThenCountedAsRetriesExhausted()
    {
        OtlpDestinationOptions options = Options(ClosedEndpoint());
        options.MaxAttempts = 3;
        await using DestinationExporter exporter = Exporter(options);

        EnqueueSpans(exporter, 2);
        Assert.True(await exporter.FlushAsync(Patience));

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Requests);
        Assert.Equal(2, stats.Retries);
        Assert.Equal(2, stats.Dropped(DropReason.RetriesExhausted));
        Assert.Equal(0, stats.Exported);
        Assert.Equal("no response: connection refused (gave up after 3 attempts)", stats.LastError);
        Assert.Null(stats.LastSuccessTime);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task ARequestThatOutlivesTheTimeoutIsRetried()
    {
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, index) => index == 0 ? ReceiverResponse.Hang(TimeSpan.FromMinutes(2)) : null,
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver);
        destination.Timeout = TimeSpan.FromSeconds(1);
        await using DestinationExporter exporter = Exporter(destination);

        List<OtlpSpan> spans = EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        ReceivedRequest hung = await receiver.WaitForRequestAsync(0, Patience);
        Assert.Equal(0, hung.StatusCode);
        Assert.True(hung.ClientAborted, "the exporter did not give up on the hanging request");
        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Exported);
        Assert.True(stats.Retries >= 1, "the timed-out request was not retried");
        Assert.Equal(stats.Retries + 1, stats.Requests);
        Assert.Contains("timed out after 1 s", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    /// <summary>A caller's HttpClient whose Timeout is shorter than the destination's ends the send first: the error
    /// names that setting and its value, not the destination's timeout, which never fired.</summary>
    [Fact]
    public async Task AnHttpClientTimeoutShorterThanTheDestinationsIsNamedAsSuch()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Hang(TimeSpan.FromMinutes(2)) };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver);
        destination.Timeout = TimeSpan.FromSeconds(10);
        destination.MaxAttempts = 1;
        using var client = new HttpClient { Timeout = TimeSpan.FromMilliseconds(250) };
        await using DestinationExporter exporter = Exporter(destination, new ExporterServices { Resource = Resource, HttpClient = client });

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Dropped(DropReason.RetriesExhausted));
        Assert.Equal(
            "no response: timed out after 0.25 s: the HttpClient's Timeout, shorter than the destination's timeout of 10 s (gave up after 1 attempt)",
            stats.LastError);
    }

    /// <summary>A handler under the caller's HttpClient that cancels the request itself (a resilience handler's own
    /// timeout, say) is not the HttpClient's Timeout, though that Timeout is shorter than the destination's: the error
    /// does not blame a setting that never fired.</summary>
    [Fact]
    public async Task AHandlerThatCancelsIsNotTakenForTheHttpClientsTimeout()
    {
        using var handler = new RespondingHandler(_ => throw new OperationCanceledException("the handler gave up"));
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(5) };
        OtlpDestinationOptions destination = Options(ClosedEndpoint());
        destination.Timeout = TimeSpan.FromSeconds(10);
        destination.MaxAttempts = 1;
        await using DestinationExporter exporter = Exporter(destination, new ExporterServices { Resource = Resource, HttpClient = client });

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        Assert.Equal(
            "no response: the HTTP stack cancelled the request before the destination's timeout of 10 s (gave up after 1 attempt)",
            exporter.GetStatistics().LastError);
    }

    [Fact]
    public async Task TimeoutsUntilMaxAttemptsAreCountedAsRetriesExhausted()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Hang(TimeSpan.FromMinutes(2)) };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(TwoShortAttempts(receiver));

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Requests);
        Assert.Equal(1, stats.Retries);
        Assert.Equal(1, stats.Dropped(DropReason.RetriesExhausted));
        Assert.Equal("no response: timed out after 1 s (gave up after 2 attempts)", stats.LastError);
        Assert.Empty(receiver.Spans);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PartialSuccessCountsRejectedSpansAndIsNotRetried(bool rejectedAsString)
    {
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.PartialSuccess(2, "2 spans had no name", rejectedAsString),
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        EnqueueSpans(exporter, 5);
        await FlushOrFail(exporter);

        Assert.Single(receiver.Requests);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Exported);
        Assert.Equal(2, stats.Rejected);
        Assert.Equal(0, stats.DroppedTotal);
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Retries);
        Assert.Equal("the backend rejected 2 of 5 spans: 2 spans had no name", stats.LastError);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APartialSuccessWithNoRejectedSpansIsAWarningTheListenerHears(bool protobuf)
    {
        // OTLP: rejected = 0 with a message is the server's warning about a request it fully accepted.
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.PartialSuccess(0, "attribute gen_ai.system is deprecated"),
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        OtlpDestinationOptions destination = Options(receiver);
        destination.Protocol = protobuf ? OtlpProtocol.HttpProtobuf : OtlpProtocol.HttpJson;
        var listener = new RecordingListener();
        await using DestinationExporter exporter = Exporter(destination, new ExporterServices { Resource = Resource, Events = listener, MaxDedicatedExportThreads = DedicatedThreads });

        for (int i = 0; i < 3; i++)
        {
            SpanFragment fragment = SpanEnvelopes.Encode(exporter.Destination.Encoding, Span(i), includeContent: true);
            try
            {
                Assert.True(exporter.TryEnqueue(fragment));
            }
            finally
            {
                fragment.Release();
            }
        }

        await FlushOrFail(exporter);

        Assert.Single(receiver.Requests);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Exported);
        Assert.Equal(0, stats.Rejected);
        Assert.Null(stats.LastError);
        Assert.Empty(listener.Failures);
        (string name, string warning) = Assert.Single(listener.Warnings);
        Assert.Equal("test", name);
        Assert.Equal("the backend accepted all 3 spans with a warning: attribute gen_ai.system is deprecated", warning);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AnOversizedResponseIsNotReadAndCountsAsAFinalError()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => ReceiverResponse.Oversized(5 * 1024 * 1024) };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        List<OtlpSpan> spans = EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        // The backend answered 200 and stored the spans; the exporter refuses to read a body over 4 MiB and, as the
        // OTLP specification says for such a response, treats the request as failed and does not retry it.
        Assert.Equal([200], receiver.Requests.Select(r => r.StatusCode));
        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Retries);
        Assert.Equal(0, stats.Exported);
        Assert.Equal(2, stats.Dropped(DropReason.FinalHttpError));
        Assert.Equal("HTTP 200 (OK): the response body is larger than 4 MiB and was not read", stats.LastError);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AResetConnectionIsRetried()
    {
        var options = new OtlpTestReceiverOptions { Responder = (_, index) => index == 0 ? ReceiverResponse.Abort() : null };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(Options(receiver));

        List<OtlpSpan> spans = EnqueueSpans(exporter, 3);
        await FlushOrFail(exporter);

        Assert.Equal([0, 200], receiver.Requests.Select(r => r.StatusCode));
        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Exported);
        Assert.Equal(2, stats.Requests);
        Assert.Equal(1, stats.Retries);
        Assert.StartsWith("no response: ", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(400, DropReason.FinalHttpError, 1)]
    [InlineData(401, DropReason.FinalHttpError, 1)]
    [InlineData(503, DropReason.RetriesExhausted, 3)]
    public async Task AnErrorStatusWhoseBodyIsCutOffIsClassifiedByItsStatus(int status, DropReason reason, int requests)
    {
        // The status line arrived, then the connection closed inside the body (the HTTP stack throws HttpIOException,
        // an IOException). The body is only the message: the status alone says whether sending again can help.
        using var handler = new RespondingHandler(_ => new HttpResponseMessage((System.Net.HttpStatusCode)status)
        {
            Content = new StreamContent(new CutStream("{\"code\":3,\"mess"u8.ToArray())),
        });
        OtlpDestinationOptions options = Options(ClosedEndpoint());
        options.MaxAttempts = 3;
        await using DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(handler, Resource));

        await SendTwoSpansAndAssertTheStatusDecided(exporter, status, reason, requests, "the response body was cut off");
    }

    [Fact]
    public async Task AnErrorBodyOnSeveralLinesIsReportedOnOne()
    {
        // A pretty-printed body, or one that means to forge a line in a plain-text log: the error is one line.
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { StatusCode = 400, Body = "{\r\n\t\"message\": \"bad span\"\n}\nINFO all spans exported\u0007" },
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        var listener = new RecordingListener();
        await using DestinationExporter exporter = Exporter(Options(receiver), new ExporterServices { Resource = Resource, Events = listener, MaxDedicatedExportThreads = DedicatedThreads });

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Dropped(DropReason.FinalHttpError));
        Assert.Equal("HTTP 400 (BadRequest): {   \"message\": \"bad span\" } INFO all spans exported", stats.LastError);
        Assert.All(listener.Failures, failure => Assert.False(failure.Error.Any(char.IsControl), "a control character reached the listener"));
    }

    [Theory]
    [InlineData("{\"code\":3,\"message\":\"span 2 has no name\",\"details\":[]}", "span 2 has no name")]
    [InlineData("\n{ \"message\": \"span \\\"b\\\" has no name\\n\", \"code\": \"3\" }", "span \"b\" has no name")]
    [InlineData("{\"code\":3,\"details\":[]}", "{\"code\":3,\"details\":[]}")]
    [InlineData("{\"error\":\"invalid span\",\"message\":\"span 2 has no name\"}", "{\"error\":\"invalid span\",\"message\":\"span 2 has no name\"}")]
    [InlineData("{\"code\":3,\"message\":\"span 2", "{\"code\":3,\"message\":\"span 2")]
    [InlineData("span 2 has no name", "span 2 has no name")]
    public async Task AJsonStatusErrorBodyIsReportedByItsMessage(string body, string reported)
    {
        // OTLP/HTTP: a failure's body is a google.rpc.Status, as JSON for a JSON request. Its message is what the
        // server said; a body that is not a Status (no message, other members, not JSON) is reported as it came.
        var options = new OtlpTestReceiverOptions { Responder = (_, _) => new ReceiverResponse { StatusCode = 400, Body = body } };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        var listener = new RecordingListener();
        await using DestinationExporter exporter = Exporter(Options(receiver), new ExporterServices { Resource = Resource, Events = listener, MaxDedicatedExportThreads = DedicatedThreads });

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        Assert.Equal("HTTP 400 (BadRequest): " + reported, exporter.GetStatistics().LastError);
        Assert.Equal(["HTTP 400 (BadRequest): " + reported], listener.Failures.Select(f => f.Error));
    }

    [Theory]
    [InlineData(false, "gzip")]
    [InlineData(true, "gzip")]
    [InlineData(false, "x-gzip")]
    [InlineData(true, "deflate")]
    [InlineData(false, "deflate")]
    [InlineData(false, "raw deflate")]
    [InlineData(true, "br")]
    [InlineData(false, "BR")]
    public async Task ACompressedAnswerIsUnpackedSoItsPartialSuccessCounts(bool protobuf, string coding)
    {
        // A server or proxy that compresses though the request did not ask: read as plain, the partial success was
        // not seen and the rejected span counted as exported. HTTP's deflate is zlib; some servers send it raw.
        byte[] answer = protobuf
            ? [0x0A, 0x0F, 0x08, 0x01, 0x12, 0x0B, .. "no name 1/2"u8]
            : "{\"partialSuccess\":{\"rejectedSpans\":\"1\",\"errorMessage\":\"no name 1/2\"}}"u8.ToArray();
        using var handler = new RespondingHandler(
            _ => Answer(System.Net.HttpStatusCode.OK, Pack(answer, coding), protobuf ? "application/x-protobuf" : "application/json", coding == "raw deflate" ? "deflate" : coding));
        await using DestinationExporter exporter = Exporter(Options(ClosedEndpoint()), ExporterServices.WithHandler(handler, Resource));

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Exported);
        Assert.Equal(1, stats.Rejected);
        Assert.Equal("the backend rejected 1 of 2 spans: no name 1/2", stats.LastError);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task ACompressedAnswerThatDoesNotUnpackIsReportedAndItsSpansCountAsExported(string coding)
    {
        // The backend took the spans (2xx, not sent again); whether it rejected some is in what could not be read.
        // Brotli reports bad data with another exception than gzip and deflate do: it ended the send as unexpected,
        // and the accepted spans were sent again.
        using var handler = new RespondingHandler(_ => Answer(System.Net.HttpStatusCode.OK, "{\"partialSuccess\":{}}"u8.ToArray(), "application/json", coding));
        var listener = new RecordingListener();
        await using DestinationExporter exporter = Exporter(
            Options(ClosedEndpoint()), new ExporterServices { HttpClient = new HttpMessageInvoker(handler, disposeHandler: false), Resource = Resource, Events = listener });

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(2, stats.Exported);
        string expected = $"the backend accepted 2 spans, but its answer could not be read: HTTP 200 (OK): the response body says Content-Encoding {coding} but could not be decompressed";
        Assert.Equal(expected, stats.LastError);
        Assert.Equal([expected], listener.Warnings.Select(w => w.Warning));
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(400, false, "gzip", "HTTP 400 (BadRequest): span 2 has no name")]
    [InlineData(200, true, "gzip", "HTTP 200 (OK): the response body unpacks (gzip) to more than 4 MiB and was not read")]
    [InlineData(200, true, "deflate", "HTTP 200 (OK): the response body unpacks (deflate) to more than 4 MiB and was not read")]
    [InlineData(200, true, "br", "HTTP 200 (OK): the response body unpacks (br) to more than 4 MiB and was not read")]
    public async Task ACompressedAnswerIsUnpackedWithinTheResponseLimit(int status, bool bomb, string coding, string error)
    {
        // An error's Status is read once unpacked. A decompression bomb (5 MiB of zeros are a few kilobytes packed,
        // well under the limit on what is read) is not unpacked past the limit, and fails as a body too large does.
        byte[] packed = Pack(bomb ? new byte[5 * 1024 * 1024] : "{\"code\":3,\"message\":\"span 2 has no name\",\"details\":[]}"u8.ToArray(), coding);
        Assert.True(packed.Length < 64 * 1024);
        using var handler = new RespondingHandler(_ => Answer((System.Net.HttpStatusCode)status, packed, "application/json", coding));
        await using DestinationExporter exporter = Exporter(Options(ClosedEndpoint()), ExporterServices.WithHandler(handler, Resource));

        EnqueueSpans(exporter, 1);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(1, stats.Dropped(DropReason.FinalHttpError));
        Assert.Equal(error, stats.LastError);
        AssertAccounting(stats);
    }

    [Theory]
    [InlineData(400, DropReason.FinalHttpError, 1)]
    [InlineData(401, DropReason.FinalHttpError, 1)]
    [InlineData(503, DropReason.RetriesExhausted, 2)]
    public async Task AnErrorStatusWhoseBodyStallsPastTheTimeoutIsClassifiedByItsStatus(int status, DropReason reason, int requests)
    {
        // The status and headers arrive, then the body stops halfway and the per-attempt timeout fires while it is
        // read: an answer came, and its status alone says whether sending again can help.
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { StatusCode = status, Body = "{\"code\":3,\"message\":\"stalled\"}", StallBody = true },
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        await using DestinationExporter exporter = Exporter(TwoShortAttempts(receiver));

        await SendTwoSpansAndAssertTheStatusDecided(exporter, status, reason, requests, "the response body could not be read: timed out after 1 s");
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task AnHttpClientAsTheHostingPackagePassesItReadsTheBodyAfterTheStatusToo()
    {
        // HttpClient.SendAsync reads the whole body before it returns unless told otherwise: a stalled body was then
        // a timeout with no status (retried, as if no answer had come), and the 4 MiB limit on what is read did not
        // apply. The transport asks an HttpClient for the headers first, as it gets them from any other invoker.
        var options = new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { StatusCode = 400, Body = "{\"code\":3,\"message\":\"stalled\"}", StallBody = true },
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        await using DestinationExporter exporter = Exporter(TwoShortAttempts(receiver), new ExporterServices { HttpClient = client, Resource = Resource });

        await SendTwoSpansAndAssertTheStatusDecided(exporter, 400, DropReason.FinalHttpError, 1, "the response body could not be read: timed out after 1 s");
    }

    [Fact]
    public async Task ShutdownWhileAnErrorBodyIsReadStillEndsTheSendAsShutdown()
    {
        // The cancellation of shutdown is the caller's, not the attempt's timeout: it must not become an answer of 400.
        var stalled = new StallStream();
        using var handler = new RespondingHandler(_ => new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest) { Content = new StreamContent(stalled) });
        OtlpDestinationOptions options = Options(ClosedEndpoint());
        options.Timeout = TimeSpan.FromMinutes(1);
        DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(handler, Resource));

        EnqueueSpans(exporter, 2);
        Task<bool> flush = exporter.FlushAsync(Patience);
        await stalled.Reading.WaitAsync(Patience);
        await exporter.ShutdownAsync(TimeSpan.Zero);
        await flush;

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(2, stats.Dropped(DropReason.Shutdown));
        Assert.Equal(0, stats.Dropped(DropReason.FinalHttpError));
        AssertAccounting(stats);
    }

    /// <summary>Sends two spans to an error status whose body could not be read and asserts that the status alone
    /// settled them: <paramref name="requests"/> sent, both dropped for <paramref name="reason"/>, and the error names
    /// the status and <paramref name="why"/>.</summary>
    private static async Task SendTwoSpansAndAssertTheStatusDecided(DestinationExporter exporter, int status, DropReason reason, int requests, string why)
    {
        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(requests, stats.Requests);
        Assert.Equal(2, stats.Dropped(reason));
        Assert.StartsWith($"HTTP {status} ", stats.LastError, StringComparison.Ordinal);
        Assert.Contains(why, stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    /// <summary>An answer whose body is sent with <c>Content-Encoding: gzip</c>, as given (packed or not).</summary>
    private static HttpResponseMessage Answer(System.Net.HttpStatusCode status, byte[] body, string contentType, string coding = "gzip")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        content.Headers.ContentEncoding.Add(coding);
        return new HttpResponseMessage(status) { Content = content };
    }

    /// <summary><paramref name="plain"/> compressed as <paramref name="coding"/> names it (<c>raw deflate</c>: the
    /// deflate stream without zlib's header and checksum).</summary>
    private static byte[] Pack(byte[] plain, string coding)
    {
        using var packed = new MemoryStream();
        using (Stream packing = coding.ToLowerInvariant() switch
        {
            "gzip" or "x-gzip" => new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Optimal),
            "deflate" => new System.IO.Compression.ZLibStream(packed, System.IO.Compression.CompressionLevel.Optimal),
            "raw deflate" => new System.IO.Compression.DeflateStream(packed, System.IO.Compression.CompressionLevel.Optimal),
            "br" => new System.IO.Compression.BrotliStream(packed, System.IO.Compression.CompressionLevel.Optimal),
            _ => throw new ArgumentOutOfRangeException(nameof(coding), coding, "not a coding these tests pack"),
        })
        {
            packing.Write(plain);
        }

        return packed.ToArray();
    }

    /// <summary>Options that give up on an attempt after 300 ms and on a batch after two attempts: a stalled answer
    /// ends quickly, and a retry still shows.</summary>
    private static OtlpDestinationOptions TwoShortAttempts(OtlpTestReceiver receiver)
    {
        // Long enough that the status and headers always come first on a loaded machine (0.3 s once did not, the
        // whole class running twice over with other tests): what these tests time out is the body.
        OtlpDestinationOptions options = Options(receiver);
        options.Timeout = TimeSpan.FromSeconds(1);
        options.MaxAttempts = 2;
        return options;
    }

    private static byte[] Encoding(IEnumerable<OtlpSpan> spans)
    {
        List<SpanFragment> fragments = [.. spans.Select(s => OtlpJsonSpanEncoder.Encode(s))];
        try
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            new OtlpJsonEnvelope(Resource).Write(buffer, fragments);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            fragments.ForEach(f => f.Release());
        }
    }

    /// <summary>A response body that never sends a byte: a read waits until it is cancelled. <see cref="Reading"/>
    /// completes when the first read starts, so a test knows the client is inside the body.</summary>
    private sealed class StallStream : MemoryStream
    {
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reading => _reading.Task;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _reading.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return 0;
        }
    }

    /// <summary>A response body whose connection closes after <c>start</c>: the bytes, then what SocketsHttpHandler
    /// throws for a body shorter than its Content-Length.</summary>
    private sealed class CutStream(byte[] start) : MemoryStream(start)
    {
        public override int Read(byte[] buffer, int offset, int count)
            => base.Read(buffer, offset, count) is > 0 and var read ? read : throw Cut();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => await base.ReadAsync(buffer, cancellationToken) is > 0 and var read ? read : throw Cut();

        private static HttpIOException Cut()
            => new(HttpRequestError.ResponseEnded, "The response ended prematurely, with at least 100 additional bytes expected.");
    }
}

/// <summary>Every test of <see cref="DestinationExporterFaultTests"/> with the exporters on the thread pool, sending
/// asynchronously (<see cref="ExporterServices.MaxDedicatedExportThreads"/> 0).</summary>
public sealed class DestinationExporterFaultTestsOnTheThreadPool : DestinationExporterFaultTests
{
    protected override int DedicatedThreads => 0;
}

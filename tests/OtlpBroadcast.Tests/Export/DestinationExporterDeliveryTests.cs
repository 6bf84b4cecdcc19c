using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>What arrives at a real receiver, field by field, and how spans are cut into requests.</summary>
public class DestinationExporterDeliveryTests
{
    [Fact]
    public async Task EverySpanFieldArrivesAsSent()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.HeadersJson = """{"Authorization":"Basic dXNlcjpwYXNz","X-Axiom-Dataset":"llm traces/2025"}""";
        options.Headers["X-Scope-OrgID"] = "tenant=1; region=eu";
        await using DestinationExporter exporter = Exporter(options);
        OtlpSpan rich = RichSpan();
        OtlpSpan root = Span(1);

        Assert.True(Enqueue(exporter, rich));
        Assert.True(Enqueue(exporter, root));
        await FlushOrFail(exporter);

        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.Null(request.DecodeError);
        Assert.Equal(200, request.StatusCode);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/traces", request.Path);
        Assert.Equal("application/json", request.ContentType);
        Assert.Null(request.ContentEncoding);
        Assert.StartsWith("OtlpBroadcast/", request.Headers["User-Agent"], StringComparison.Ordinal);
        Assert.Contains("OTel-OTLP-Exporter-DotNet/", request.Headers["User-Agent"], StringComparison.Ordinal);
        Assert.Equal("Basic dXNlcjpwYXNz", request.Headers["Authorization"]);
        Assert.Equal("llm traces/2025", request.Headers["X-Axiom-Dataset"]);
        Assert.Equal("tenant=1; region=eu", request.Headers["X-Scope-OrgID"]);
        Assert.False(request.Body.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]), "the body starts with a UTF-8 BOM");
        Assert.Equal(request.Body.ToArray(), request.DecompressedBody.ToArray());

        Assert.Equal(2, receiver.Spans.Count);
        AssertSameSpan(rich, receiver.Spans[0]);
        AssertSameSpan(root, receiver.Spans[1]);
        foreach (ReceivedSpan span in receiver.Spans)
        {
            Assert.Equal("exptests-service", span.Resource["service.name"].AsString());
            Assert.Equal("integration-test", span.Resource["deployment.environment"].AsString());
            Assert.Equal("OtlpBroadcast", span.Resource["telemetry.sdk.name"].AsString());
            Assert.Equal("OtlpBroadcast", span.ScopeName);
            Assert.Equal(SdkInfo.Version, span.ScopeVersion);
        }

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Offered);
        Assert.Equal(2, stats.Accepted);
        Assert.Equal(2, stats.Exported);
        Assert.Equal(0, stats.DroppedTotal);
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Retries);
        Assert.Null(stats.LastError);
        Assert.NotNull(stats.LastSuccessTime);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task GzipCompressionIsDeclaredAndDecodes()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.Compression = OtlpCompression.Gzip;
        await using DestinationExporter exporter = Exporter(options);
        OtlpSpan rich = RichSpan();
        List<OtlpSpan> plain = EnqueueSpans(exporter, 3);
        Assert.True(Enqueue(exporter, rich));

        await FlushOrFail(exporter);

        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.Null(request.DecodeError);
        Assert.Equal("gzip", request.ContentEncoding);
        Assert.Equal("application/json", request.ContentType);
        Assert.True(request.Body.Span.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]), "the body is not gzip");
        Assert.True(request.Body.Length < request.DecompressedBody.Length, "the gzip body is not smaller than the JSON");
        Assert.False(request.DecompressedBody.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]), "the JSON starts with a BOM");
        Assert.Equal([.. Names(plain), rich.Name], StoredNames(receiver));
        AssertSameSpan(rich, receiver.Spans[3]);
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(4, stats.Exported);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task GzipBodiesOfConsecutiveBatchesEachDecodeAlone()
    {
        // The compressed body is written into one buffer reused batch after batch: a smaller batch after a larger one
        // must not carry the end of the previous body.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.Compression = OtlpCompression.Gzip;
        await using DestinationExporter exporter = Exporter(options);

        List<OtlpSpan> large = EnqueueSpans(exporter, 40);
        await FlushOrFail(exporter);
        List<OtlpSpan> small = EnqueueSpans(exporter, 1, firstIndex: 40);
        await FlushOrFail(exporter);

        Assert.Equal(2, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Null(r.DecodeError));
        Assert.True(receiver.Requests[1].Body.Length < receiver.Requests[0].Body.Length / 2, "the second body is the small batch alone");
        Assert.Equal([.. Names(large), .. Names(small)], StoredNames(receiver));
    }

    [Fact]
    public async Task SpansAreCutIntoRequestsOfTheBatchSize()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var gate = new GatedHandler();
        OtlpDestinationOptions options = Options(receiver);
        options.MaxExportBatchSize = 10;
        await using DestinationExporter exporter = Exporter(options, ExporterServices.WithHandler(gate, Resource));

        // The tenth span wakes the loop; the gate keeps its first request waiting until all 25 are queued, so the
        // cut does not depend on how fast this thread enqueues.
        List<OtlpSpan> spans = EnqueueSpans(exporter, 25);
        await gate.FirstRequestArrived.WaitAsync(Patience);
        gate.Open();
        await FlushOrFail(exporter);

        AssertNoDecodeErrors(receiver);
        Assert.Equal([10, 10, 5], receiver.Requests.Select(r => r.Spans.Count));
        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(25, stats.Exported);
        Assert.Equal(3, stats.Requests);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task ASmallByteLimitGivesSeveralRequestsEachWithinTheLimitAndLosesNothing()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.MaxBatchBytes = 2048;
        await using DestinationExporter exporter = Exporter(options);
        var spans = new List<OtlpSpan>();
        for (int i = 0; i < 30; i++)
        {
            OtlpSpan span = Span(i).With("padding", new string('p', 150 + (i * 7)));
            Assert.True(Enqueue(exporter, span));
            spans.Add(span);
        }

        await FlushOrFail(exporter);

        AssertNoDecodeErrors(receiver);
        Assert.True(receiver.Requests.Count >= 3, $"expected several requests, got {receiver.Requests.Count}");
        foreach (ReceivedRequest request in receiver.Requests)
        {
            Assert.True(request.Body.Length <= 2048, $"request #{request.Index} has {request.Body.Length} bytes, over the limit of 2048");
        }

        Assert.Equal(Names(spans), StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(30, stats.Exported);
        Assert.Equal(0, stats.DroppedTotal);
        Assert.Equal(receiver.Requests.Count, stats.Requests);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task TheScheduledDelaySendsAPartialBatchWithoutAFlush()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.ScheduledDelay = TimeSpan.FromMilliseconds(100);
        await using DestinationExporter exporter = Exporter(options);

        List<OtlpSpan> spans = EnqueueSpans(exporter, 3);
        await receiver.WaitForSpansAsync(3, Patience);

        AssertNoDecodeErrors(receiver);
        Assert.Equal(Names(spans), StoredNames(receiver));
        Assert.All(receiver.Requests, r => Assert.InRange(r.Spans.Count, 1, 3));
    }

    [Fact]
    public async Task ASpanLargerThanTheByteLimitIsDroppedAsTooLargeAndTheOthersGo()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.MaxBatchBytes = 1024;
        await using DestinationExporter exporter = Exporter(options);
        OtlpSpan before = Span(0);
        OtlpSpan huge = Span(1).With("padding", new string('h', 3000));
        OtlpSpan after = Span(2);
        SpanFragment hugeFragment = OtlpJsonSpanEncoder.Encode(huge);
        int hugeLength = hugeFragment.Length;
        hugeFragment.Release();

        Assert.True(Enqueue(exporter, before));
        Assert.True(Enqueue(exporter, huge));
        Assert.True(Enqueue(exporter, after));
        await FlushOrFail(exporter);

        AssertNoDecodeErrors(receiver);
        Assert.Equal([before.Name, after.Name], StoredNames(receiver));
        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(3, stats.Offered);
        Assert.Equal(2, stats.Exported);
        Assert.Equal(1, stats.Dropped(DropReason.TooLarge));
        Assert.Equal(1, stats.DroppedTotal);
        Assert.Equal(1, stats.Requests);
        Assert.Equal($"a span of {hugeLength} bytes is larger than the batch limit of 1024 bytes", stats.LastError);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task ASpanDroppedAsTooLargeGivesItsQueuePlaceBackBeforeTheDropIsReported()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver);
        options.MaxBatchBytes = 1024;
        options.MaxQueueSize = 1;
        DestinationExporter? exporter = null;
        var offeredInTheDrop = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The queue holds one span: the huge one. When its drop is reported, its place must be free again, or the
        // span offered from the listener (as a recording thread could at that moment) is refused as queue-full.
        var listener = new RecordingListener
        {
            OnDrop = reason =>
            {
                if (reason == DropReason.TooLarge)
                {
                    offeredInTheDrop.TrySetResult(Enqueue(exporter!, Span(2)));
                }
            },
        };
        exporter = Exporter(options, new ExporterServices { Resource = Resource, Events = listener });
        await using (exporter)
        {
            Assert.True(Enqueue(exporter, Span(1).With("padding", new string('h', 3000))));
            await FlushOrFail(exporter);

            Assert.True(await offeredInTheDrop.Task.WaitAsync(Patience), "the span offered when the huge one was dropped was refused");
            await FlushOrFail(exporter);
            Assert.Equal(["span-2"], StoredNames(receiver));
            DestinationStatistics stats = exporter.GetStatistics();
            Assert.Equal(1, stats.Dropped(DropReason.TooLarge));
            Assert.Equal(0, stats.Dropped(DropReason.QueueFull));
            AssertAccounting(stats);
        }
    }

    /// <summary>A span using every field: parent, trace state, flags, every attribute kind, events, links, an
    /// error status and non-ASCII text.</summary>
    internal static OtlpSpan RichSpan()
    {
        var traceId = TraceId.CreateRandom();
        long start = 1_748_779_200_123_456_789;
        var span = new OtlpSpan(traceId, SpanId.CreateRandom(), "chat gpt-4o · réponse ✓")
        {
            ParentSpanId = SpanId.CreateRandom(),
            TraceState = "vendor=abc,other=1",
            Flags = SpanFlags.Sampled | SpanFlags.ContextHasIsRemote,
            Kind = SpanKind.Client,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 1_234_567_891,
            DroppedAttributesCount = 3,
            Status = SpanStatus.Error("upstream said \"no\"\n(429)"),
        };
        span.With("gen_ai.request.model", "gpt-4o")
            .With("text.unicode", "naïve 日本語 🚀 \"quoted\" \\ back")
            .With("flag.true", true)
            .With("flag.false", false)
            .With("int.big", 9_007_199_254_740_993L)
            .With("int.negative", long.MinValue)
            .With("double.fraction", 0.1)
            .With("double.whole", 3.0)
            .With("double.tiny", 1e-300)
            .With("bytes", AttributeValue.FromBytes([0, 1, 2, 250, 255]))
            .With("array.mixed", AttributeValue.FromArray("a", 2L, 2.5, true))
            .With("array.empty", AttributeValue.FromArray())
            .With("kvlist", AttributeValue.FromKeyValueList(
                new SpanAttribute("inner.string", "x"),
                new SpanAttribute("inner.list", AttributeValue.FromArray(1L, 2L))));

        var started = new SpanEvent("gen_ai.content.prompt", start + 10);
        started.Attributes.Add(new SpanAttribute("event.count", 2L));
        started.Attributes.Add(new SpanAttribute("event.text", "hi"));
        span.Events.Add(started);
        span.Events.Add(new SpanEvent("exception", start + 20));

        var link = new SpanLink(TraceId.CreateRandom(), SpanId.CreateRandom()) { TraceState = "k=v", Flags = 0 };
        link.Attributes.Add(new SpanAttribute("link.reason", "retry-of"));
        span.Links.Add(link);
        span.Links.Add(new SpanLink(traceId, SpanId.CreateRandom()));
        return span;
    }

    internal static void AssertSameSpan(OtlpSpan expected, ReceivedSpan actual)
    {
        Assert.Equal(expected.TraceId.ToString(), actual.TraceId);
        Assert.Equal(expected.SpanId.ToString(), actual.SpanId);
        Assert.Equal(expected.ParentSpanId.IsValid ? expected.ParentSpanId.ToString() : null, actual.ParentSpanId);
        Assert.Equal(expected.TraceState, actual.TraceState);
        Assert.Equal(expected.Flags | SpanFlags.Sampled, actual.Flags);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal((int)expected.Kind, actual.Kind);
        Assert.Equal(expected.StartTimeUnixNano, actual.StartTimeUnixNano);
        Assert.Equal(expected.EndTimeUnixNano, actual.EndTimeUnixNano);
        Assert.Equal(expected.DroppedAttributesCount, actual.DroppedAttributesCount);
        AssertSameAttributes(expected.Attributes, actual.Attributes);
        Assert.Equal((int)expected.Status.Code, actual.StatusCode);
        Assert.Equal(string.IsNullOrEmpty(expected.Status.Message) ? null : expected.Status.Message, actual.StatusMessage);

        Assert.Equal(expected.Events.Count, actual.Events.Count);
        for (int i = 0; i < expected.Events.Count; i++)
        {
            Assert.Equal(expected.Events[i].Name, actual.Events[i].Name);
            Assert.Equal(expected.Events[i].TimeUnixNano, actual.Events[i].TimeUnixNano);
            AssertSameAttributes(expected.Events[i].Attributes, actual.Events[i].Attributes);
        }

        Assert.Equal(expected.Links.Count, actual.Links.Count);
        for (int i = 0; i < expected.Links.Count; i++)
        {
            Assert.Equal(expected.Links[i].TraceId.ToString(), actual.Links[i].TraceId);
            Assert.Equal(expected.Links[i].SpanId.ToString(), actual.Links[i].SpanId);
            Assert.Equal(expected.Links[i].TraceState, actual.Links[i].TraceState);
            Assert.Equal(expected.Links[i].Flags, actual.Links[i].Flags);
            AssertSameAttributes(expected.Links[i].Attributes, actual.Links[i].Attributes);
        }
    }

    private static void AssertSameAttributes(IReadOnlyList<SpanAttribute> expected, ReceivedAttributeList actual)
    {
        Assert.Equal(expected.Select(a => a.Key), actual.Keys);
        for (int i = 0; i < expected.Count; i++)
        {
            AssertSameValue(expected[i].Value, actual[i].Value, expected[i].Key);
        }
    }

    private static void AssertSameValue(AttributeValue expected, ReceivedValue actual, string path)
    {
        switch (expected.Kind)
        {
            case AttributeValueKind.String:
                Assert.True(actual.Kind == ReceivedValueKind.String, $"{path}: expected a string, got {actual.Kind}");
                Assert.Equal(expected.StringValue, actual.AsString());
                break;
            case AttributeValueKind.Bool:
                Assert.True(actual.Kind == ReceivedValueKind.Bool, $"{path}: expected a bool, got {actual.Kind}");
                Assert.Equal(expected.BoolValue, actual.AsBool());
                break;
            case AttributeValueKind.Int:
                Assert.True(actual.Kind == ReceivedValueKind.Int, $"{path}: expected an int, got {actual.Kind}");
                Assert.Equal(expected.IntValue, actual.AsInt());
                break;
            case AttributeValueKind.Double:
                Assert.True(actual.Kind == ReceivedValueKind.Double, $"{path}: expected a double, got {actual.Kind}");
                Assert.Equal(expected.DoubleValue, actual.AsDouble());
                break;
            case AttributeValueKind.Bytes:
                Assert.True(actual.Kind == ReceivedValueKind.Bytes, $"{path}: expected bytes, got {actual.Kind}");
                Assert.Equal(expected.BytesValue.ToArray(), actual.AsBytes().ToArray());
                break;
            case AttributeValueKind.Array:
                Assert.True(actual.Kind == ReceivedValueKind.Array, $"{path}: expected an array, got {actual.Kind}");
                IReadOnlyList<ReceivedValue> items = actual.AsArray();
                Assert.Equal(expected.ArrayValue.Length, items.Count);
                for (int i = 0; i < items.Count; i++)
                {
                    AssertSameValue(expected.ArrayValue[i], items[i], $"{path}[{i}]");
                }

                break;
            case AttributeValueKind.KeyValueList:
                Assert.True(actual.Kind == ReceivedValueKind.KeyValueList, $"{path}: expected a kvlist, got {actual.Kind}");
                AssertSameAttributes(expected.KeyValueListValue.ToArray(), actual.AsKeyValueList());
                break;
            default:
                Assert.Fail($"{path}: unexpected kind {expected.Kind}");
                break;
        }
    }
}

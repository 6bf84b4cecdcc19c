using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using static OtlpBroadcast.IntegrationTests.RealBackendKit;

namespace OtlpBroadcast.IntegrationTests;

/// <summary>
/// Round trips through a real, independently written OTLP backend (the Aspire Dashboard), in both encodings: what
/// we send is read back through the backend's own API and compared field by field.
/// </summary>
[Collection(AspireCollection.Name)]
public class RealBackendRoundTripTests(AspireFixture fixture)
{
    private AspireDashboard Dashboard => fixture.Dashboard;

    private async Task<DestinationStatistics> PublishAsync(OtlpDestinationOptions options, params OtlpSpan[] spans)
    {
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(options));
        foreach (OtlpSpan span in spans)
        {
            registry.Publish(span);
        }

        Assert.True(await registry.FlushAsync(Patience), "the spans were not settled in time");
        DestinationStatistics stats = Assert.Single(registry.List()).Statistics;
        Assert.True(stats.Exported == spans.Length, $"exported {stats.Exported} of {spans.Length}; last error: {stats.LastError}");
        return stats;
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task TheMissionExampleRequestIsStoredFieldByField(OtlpProtocol protocol)
    {
        OtlpSpan[] sent = MissionTrace.Create(TraceId.CreateRandom());

        await PublishAsync(Options(Dashboard, protocol), sent);

        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(sent[0].TraceId.ToString(), 3);
        Assert.Equal(3, stored.Count);
        foreach (OtlpSpan span in sent)
        {
            StoredSpan match = Find(stored, span);
            AssertSameFrame(span, match);
            AssertSameAttributes(span, match);
        }

        // The tree: root, generation under root, attempt under generation.
        StoredSpan root = Find(stored, sent[0]);
        Assert.Null(root.ParentSpanId);
        Assert.Equal(root.SpanId, Find(stored, sent[1]).ParentSpanId);
        Assert.Equal(Find(stored, sent[1]).SpanId, Find(stored, sent[2]).ParentSpanId);
        Assert.Equal("staging", root["trace.metadata.environment"]);
        Assert.Equal("us-east-1", root["trace.metadata.deployment"]);
        Assert.Equal("user_12345", root["user.id"]);
        Assert.Equal("session_abc", root["session.id"]);
        Assert.Equal("22", Find(stored, sent[1])["gen_ai.usage.total_tokens"]);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task SeveralRequestsSharingATraceIdLandInOneTrace(OtlpProtocol protocol)
    {
        TraceId shared = TraceId.CreateRandom();
        OtlpSpan[] first = MissionTrace.Create(shared, prompt: "first question");
        OtlpSpan[] second = MissionTrace.Create(shared, prompt: "second question");
        OtlpSpan[] third = MissionTrace.Create(shared, prompt: "third question");

        // Three requests, each published (and flushed) on its own.
        await PublishAsync(Options(Dashboard, protocol), first);
        await PublishAsync(Options(Dashboard, protocol), second);
        await PublishAsync(Options(Dashboard, protocol), third);

        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(shared.ToString(), 9);
        Assert.Equal(9, stored.Count);
        Assert.All(stored, s => Assert.Equal(shared.ToString(), s.TraceId));
        foreach (OtlpSpan span in first.Concat(second).Concat(third))
        {
            AssertSameFrame(span, Find(stored, span));
            AssertSameAttributes(span, Find(stored, span));
        }
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson, true)]
    [InlineData(OtlpProtocol.HttpJson, false)]
    [InlineData(OtlpProtocol.HttpProtobuf, true)]
    [InlineData(OtlpProtocol.HttpProtobuf, false)]
    public async Task PrivacyModeDecidesWhetherContentIsStored(OtlpProtocol protocol, bool privacyMode)
    {
        OtlpSpan[] sent = MissionTrace.Create(TraceId.CreateRandom());

        await PublishAsync(Options(Dashboard, protocol, privacyMode: privacyMode), sent);

        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(sent[0].TraceId.ToString(), 3);
        StoredSpan generation = Find(stored, sent[1]);
        AssertSameAttributes(sent[1], generation, includeContent: !privacyMode);
        Assert.Equal(!privacyMode, generation.Attributes.ContainsKey("gen_ai.input.messages"));
        Assert.Equal(!privacyMode, generation.Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.Equal(!privacyMode, stored.Any(s => s.Attributes.Values.Any(v => v.Contains("capital of France", StringComparison.Ordinal))));

        // Tokens, cost, model and metadata go either way.
        Assert.Equal("0.000115", generation["gen_ai.usage.cost"]);
        Assert.Equal("openai/gpt-4o", generation["gen_ai.request.model"]);
        Assert.Equal("staging", Find(stored, sent[0])["trace.metadata.environment"]);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task UnicodeAndVeryLongContentArriveIntact(OtlpProtocol protocol)
    {
        string unicode = "Grüße aus Köln — 東京タワー 🗼, naïve café, עברית, العربية, e\u0301, 👩‍👩‍👧‍👦, \"quotes\" \\ \n\t";
        // About 250 000 characters: long, and still one span under the default 1 MiB batch limit once the JSON
        // content is escaped inside OTLP/JSON.
        string longText = string.Concat(Enumerable.Repeat(unicode + " lorem ipsum dolor sit amet ", 2000));
        OtlpSpan[] sent = MissionTrace.Create(TraceId.CreateRandom(), prompt: unicode, completion: longText);
        sent[0].Name = "Chat Handler 東京 🗼";
        sent[0].With("note", unicode);

        await PublishAsync(Options(Dashboard, protocol), sent);

        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(sent[0].TraceId.ToString(), 3);
        foreach (OtlpSpan span in sent)
        {
            AssertSameFrame(span, Find(stored, span));
            AssertSameAttributes(span, Find(stored, span));
        }

        Assert.True(Find(stored, sent[1])["gen_ai.output.messages"].Length > 250_000);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task AnErrorGenerationKeepsItsStatusAndErrorType(OtlpProtocol protocol)
    {
        OtlpSpan[] sent = MissionTrace.Create(TraceId.CreateRandom(), error: true);

        await PublishAsync(Options(Dashboard, protocol), sent);

        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(sent[0].TraceId.ToString(), 3);
        StoredSpan generation = Find(stored, sent[1]);
        AssertSameFrame(sent[1], generation);
        AssertSameAttributes(sent[1], generation);
        Assert.Equal(2, generation.StatusCode);
        Assert.Equal("429 Too Many Requests from openai", generation.StatusMessage);
        Assert.Equal("RateLimitError", generation["error.type"]);
        Assert.Equal("ERROR", generation["span.level"]);
        Assert.Equal("429", Find(stored, sent[2])["error.type"]);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task ABatchLargerThanTheBackendsBodyLimitIsSplitAndFullyStored(OtlpProtocol protocol)
    {
        // Aspire refuses bodies over about 4 MiB; 10 spans of about 1 MB are 10 MB in one batch by count.
        TraceId traceId = TraceId.CreateRandom();
        string big = new('x', 1_000_000);
        OtlpSpan[] sent = [.. Enumerable.Range(0, 10).Select(i =>
        {
            var span = new OtlpSpan(traceId, SpanId.CreateRandom(), $"big-{i}")
            {
                Kind = SpanKind.Internal,
                StartTimeUnixNano = 1_764_000_000_000_000_000 + (i * 1000L),
                EndTimeUnixNano = 1_764_000_000_100_000_000 + (i * 1000L),
            };
            return span.With("payload", big).With("index", (long)i);
        })];
        OtlpDestinationOptions options = Options(Dashboard, protocol);
        options.MaxBatchBytes = 3 * 1024 * 1024;

        DestinationStatistics stats = await PublishAsync(options, sent);

        Assert.True(stats.Requests >= 4, $"{stats.Requests} requests for 10 MB under a 3 MiB limit");
        Assert.Equal(0, stats.DroppedTotal);
        IReadOnlyList<StoredSpan> stored = await Dashboard.WaitForTraceAsync(traceId.ToString(), 10);
        Assert.Equal(10, stored.Count);
        Assert.All(sent, s => Assert.Equal(1_000_000, Find(stored, s)["payload"].Length));
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task DuplicateSpansAnsweredWithAPartialSuccessAreCountedNotRetried(OtlpProtocol protocol)
    {
        OtlpSpan[] sent = MissionTrace.Create(TraceId.CreateRandom());
        await using var exporter = new DestinationExporter(OtlpDestination.Create(Options(Dashboard, protocol)), Services);
        SpanEncoding encoding = exporter.Destination.Encoding;

        Enqueue(exporter, encoding, sent);
        Assert.True(await exporter.FlushAsync(Patience));
        Enqueue(exporter, encoding, sent); // the same trace and span ids again
        Assert.True(await exporter.FlushAsync(Patience));

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(2, stats.Requests);
        Assert.Equal(0, stats.Retries);
        Assert.Equal(3, stats.Exported);
        Assert.Equal(3, stats.Rejected);
        Assert.Equal(0, stats.DroppedTotal);
        Assert.Contains("rejected 3 of 3", stats.LastError, StringComparison.Ordinal);
        Assert.Equal(3, (await Dashboard.WaitForTraceAsync(sent[0].TraceId.ToString(), 3)).Count);
    }

    private static void Enqueue(DestinationExporter exporter, SpanEncoding encoding, OtlpSpan[] spans)
    {
        foreach (OtlpSpan span in spans)
        {
            SpanFragment fragment = encoding == SpanEncoding.Protobuf ? OtlpProtobufSpanEncoder.Encode(span) : OtlpJsonSpanEncoder.Encode(span);
            Assert.True(exporter.TryEnqueue(fragment));
            fragment.Release();
        }
    }
}

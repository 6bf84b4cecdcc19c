using System.Net;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>Destinations that speak OTLP/HTTP protobuf, against the loopback receiver (which decodes protobuf with
/// its own reader).</summary>
public class ProtobufExportTests
{
    private static OtlpDestinationOptions ProtobufOptions(OtlpTestReceiver receiver, string name = "proto")
    {
        OtlpDestinationOptions options = Options(receiver, name);
        options.Protocol = OtlpProtocol.HttpProtobuf;
        return options;
    }

    private static bool EnqueueProtobuf(DestinationExporter exporter, OtlpSpan span)
    {
        SpanFragment fragment = OtlpProtobufSpanEncoder.Encode(span);
        try
        {
            return exporter.TryEnqueue(fragment);
        }
        finally
        {
            fragment.Release();
        }
    }

    [Fact]
    public async Task AProtobufDestinationSendsXProtobufThatDecodesToTheSameSpan()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationExporter exporter = Exporter(ProtobufOptions(receiver));
        OtlpSpan rich = DestinationExporterDeliveryTests.RichSpan();

        Assert.True(EnqueueProtobuf(exporter, rich));
        await FlushOrFail(exporter);

        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.Equal("application/x-protobuf", request.ContentType);
        Assert.Null(request.DecodeError);
        DestinationExporterDeliveryTests.AssertSameSpan(rich, Assert.Single(receiver.Spans));
        Assert.Equal("exptests-service", receiver.Spans[0].Resource["service.name"].AsString());
        Assert.Equal(1, exporter.GetStatistics().Exported);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AProtobufPartialSuccessIsCountedAsRejectedAndNotRetried(bool answerInJson)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => answerInJson
                ? ReceiverResponse.PartialSuccess(2, "duplicate spans") with { ContentType = "application/json" }
                : ReceiverResponse.PartialSuccess(2, "duplicate spans"),
        });
        await using DestinationExporter exporter = Exporter(ProtobufOptions(receiver));
        for (int i = 0; i < 3; i++)
        {
            Assert.True(EnqueueProtobuf(exporter, Span(i)));
        }

        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Retries);
        Assert.Equal(2, stats.Rejected);
        Assert.Equal(1, stats.Exported);
        Assert.Contains("duplicate spans", stats.LastError, StringComparison.Ordinal);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AFragmentInTheWrongEncodingIsCountedWithAClearErrorAndNeverSent()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationExporter exporter = Exporter(ProtobufOptions(receiver));

        Assert.False(Enqueue(exporter, Span(0))); // JSON-encoded
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Dropped(DropReason.WrongEncoding));
        Assert.Equal(1, stats.Offered);
        Assert.Equal(0, stats.Accepted);
        Assert.Contains("Json span fragment was offered to a destination that sends Protobuf", stats.LastError, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
        AssertAccounting(stats);
    }

    [Fact]
    public async Task AFragmentWithContentOfferedToAPrivacyModeExporterIsCountedNotSent()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = ProtobufOptions(receiver, "private");
        options.PrivacyMode = true;
        await using DestinationExporter exporter = Exporter(options);
        OtlpSpan span = Span(0).WithContent("gen_ai.prompt", "secret prompt");

        Assert.False(EnqueueProtobuf(exporter, span));
        SpanFragment withheld = OtlpProtobufSpanEncoder.Encode(span, includeContent: false);
        Assert.True(exporter.TryEnqueue(withheld));
        withheld.Release();
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Dropped(DropReason.ContentNotWithheld));
        Assert.Equal(0, stats.Rejected);
        Assert.Contains("privacy mode", stats.LastError, StringComparison.Ordinal);
        Assert.False(Assert.Single(receiver.Spans).Attributes.ContainsKey("gen_ai.prompt"));
        AssertAccounting(stats);
    }

    [Fact]
    public async Task BatchesAreSplitByTheExactProtobufBodySize()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = ProtobufOptions(receiver);
        options.MaxBatchBytes = 4096;
        await using DestinationExporter exporter = Exporter(options);
        var spans = new List<OtlpSpan>();
        for (int i = 0; i < 20; i++)
        {
            OtlpSpan span = Span(i).With("padding", new string('p', 600));
            spans.Add(span);
            Assert.True(EnqueueProtobuf(exporter, span));
        }

        await FlushOrFail(exporter);

        Assert.True(receiver.Requests.Count > 1, $"expected several requests, got {receiver.Requests.Count}");
        Assert.All(receiver.Requests, r => Assert.True(r.Body.Length <= 4096, $"a body of {r.Body.Length} bytes"));
        Assert.Equal(Names(spans), StoredNames(receiver));
        AssertNoDecodeErrors(receiver);
    }

    [Fact]
    public async Task TheConnectionTestOfAProtobufDestinationSpeaksProtobuf()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(ProtobufOptions(receiver)), Services);

        Assert.True(result.Success, result.ToString());
        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.Equal("application/x-protobuf", request.ContentType);
        Assert.Equal(ConnectionTester.SpanName, Assert.Single(receiver.Spans).Name);
    }

    [Fact]
    public async Task PublishEncodesOneVariantPerEncodingAndPrivacyAndEachDestinationGetsItsOwn()
    {
        await using OtlpTestReceiver jsonFull = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver jsonPrivate = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protoFull = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protoPrivate = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(jsonFull, "json-full")));
        OtlpDestinationOptions jp = Options(jsonPrivate, "json-private");
        jp.PrivacyMode = true;
        await registry.AddAsync(OtlpDestination.Create(jp));
        await registry.AddAsync(OtlpDestination.Create(ProtobufOptions(protoFull, "proto-full")));
        OtlpDestinationOptions pp = ProtobufOptions(protoPrivate, "proto-private");
        pp.PrivacyMode = true;
        await registry.AddAsync(OtlpDestination.Create(pp));

        OtlpSpan span = Span(1).WithContent("gen_ai.prompt", "secret prompt");
        registry.Publish(span);
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal("application/json", Assert.Single(jsonFull.Requests).ContentType);
        Assert.Equal("application/json", Assert.Single(jsonPrivate.Requests).ContentType);
        Assert.Equal("application/x-protobuf", Assert.Single(protoFull.Requests).ContentType);
        Assert.Equal("application/x-protobuf", Assert.Single(protoPrivate.Requests).ContentType);
        Assert.Equal("secret prompt", Assert.Single(jsonFull.Spans)["gen_ai.prompt"].AsString());
        Assert.Equal("secret prompt", Assert.Single(protoFull.Spans)["gen_ai.prompt"].AsString());
        Assert.False(Assert.Single(jsonPrivate.Spans).Attributes.ContainsKey("gen_ai.prompt"));
        Assert.False(Assert.Single(protoPrivate.Spans).Attributes.ContainsKey("gen_ai.prompt"));
        Assert.All(registry.List(), i =>
        {
            Assert.Equal(1, i.Statistics.Exported);
            Assert.Equal(0, i.Statistics.Dropped(DropReason.WrongEncoding));
        });
    }

    [Fact]
    public async Task PublishingAJsonFragmentToAProtobufDestinationIsCountedNotSent()
    {
        await using OtlpTestReceiver json = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver proto = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(json, "json")));
        await registry.AddAsync(OtlpDestination.Create(ProtobufOptions(proto, "proto")));

        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(Span(0));
        registry.Publish(fragment);
        fragment.Release();
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Single(json.Spans);
        Assert.Empty(proto.Requests);
        Dictionary<string, DestinationStatistics> stats = registry.List().ToDictionary(i => i.Name, i => i.Statistics);
        Assert.Equal(1, stats["proto"].Dropped(DropReason.WrongEncoding));
        Assert.NotNull(stats["proto"].LastError);
    }

    [Fact]
    public async Task OtelExporterOtlpProtocolHttpProtobufPutsProtobufOnTheWire()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var variables = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.TracesEndpoint.AbsoluteUri,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        OtlpDestination destination = OtlpDestination.FromEnvironment("env", name => variables.GetValueOrDefault(name));
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(destination);

        registry.Publish(Span(7));
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal("application/x-protobuf", Assert.Single(receiver.Requests).ContentType);
        Assert.Equal("span-7", Assert.Single(receiver.Spans).Name);
    }

    [Fact]
    public void AProtobufResponseIsReadFromItsFieldNumbers()
    {
        // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1) = 300; error_message (2) = "dup" } },
        // with an unknown field 9 (varint) before it that must be skipped.
        byte[] body = [0x48, 0x01, 0x0A, 0x08, 0x08, 0xAC, 0x02, 0x12, 0x03, (byte)'d', (byte)'u', (byte)'p'];
        ExportTracePartialSuccess? partial = OtlpProtobufResponse.ReadPartialSuccess(body);
        Assert.NotNull(partial);
        Assert.Equal(300, partial.RejectedSpans);
        Assert.Equal("dup", partial.ErrorMessage);

        Assert.Null(OtlpProtobufResponse.ReadPartialSuccess([]));
        Assert.Null(OtlpProtobufResponse.ReadPartialSuccess([0x0A, 0x05, 0x08])); // truncated: unreadable, still a success
    }

    [Fact]
    public async Task AProtobufErrorBodyIsReadAsTheStatusMessageNotShownAsBytes()
    {
        // OTLP/HTTP: a 4xx/5xx body is a google.rpc.Status, binary for a protobuf request:
        // { code (1) = 3; message (2) = "span 2 has no name"; details (3) = one Any, skipped }.
        const string Message = "span 2 has no name";
        string status = "\u0008\u0003\u0012" + (char)Message.Length + Message + "\u001A\u0002\u000A\u0000";
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { StatusCode = 400, Body = status, ContentType = "application/x-protobuf" },
        });
        await using DestinationExporter exporter = Exporter(ProtobufOptions(receiver));

        Assert.True(EnqueueProtobuf(exporter, Span(1)));
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        Assert.Equal(1, stats.Dropped(DropReason.FinalHttpError));
        Assert.Equal($"HTTP 400 (BadRequest): {Message}", stats.LastError);
    }

    [Fact]
    public async Task AProtobufErrorBodyThatIsNotAStatusFallsBackToTheReasonPhrase()
    {
        // Bytes that do not read as a Status (a truncated length) say nothing a person can read: the reason phrase
        // stands in for them, as for an empty body.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { StatusCode = 503, Body = "\u0012\u0040abc", ContentType = "application/x-protobuf" },
        });
        OtlpDestinationOptions options = ProtobufOptions(receiver);
        options.MaxAttempts = 1;
        await using DestinationExporter exporter = Exporter(options);

        Assert.True(EnqueueProtobuf(exporter, Span(1)));
        await FlushOrFail(exporter);

        Assert.Equal("HTTP 503 (ServiceUnavailable): Service Unavailable (gave up after 1 attempt)", exporter.GetStatistics().LastError);
    }

    [Fact]
    public async Task AnUnauthorizedProtobufConnectionTestNamesThe401()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = new Dictionary<string, string> { ["x-api-key"] = "right" },
        });
        OtlpDestinationOptions options = ProtobufOptions(receiver);
        options.Headers["x-api-key"] = "wrong";

        ConnectionTestResult result = await ConnectionTester.TestAsync(OtlpDestination.Create(options), Services);

        Assert.False(result.Success);
        Assert.Equal(HttpStatusCode.Unauthorized, result.StatusCode);
        Assert.Contains("HTTP 401", result.ToString(), StringComparison.Ordinal);
    }
}

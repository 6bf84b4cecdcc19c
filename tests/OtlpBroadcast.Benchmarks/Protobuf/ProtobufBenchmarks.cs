using System.Buffers;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 5: OTLP protobuf encoding of the span tree of benchmark 1 (root, generation, one attempt), this SDK against
/// OpenTelemetry .NET's export step alone. OpenTelemetry .NET's three activities are created, tagged and ended once in
/// <see cref="Setup"/>; each operation is only what its exporter does with a batch: serialise it to protobuf and post
/// it. The SDK's side starts from the same point (the request, response and per-request facts exist) and writes
/// the same spans: three fragments from the generated writers, the request body around them, and, in the second
/// row, the same post to the same handler. What each byte carries is checked in <see cref="Setup"/>.
/// </summary>
[MemoryDiagnoser]
public class ProtobufBenchmarks
{
    private static readonly Uri Endpoint = new("http://127.0.0.1:4318/v1/traces");
    private static readonly MediaTypeHeaderValue ProtobufType = new("application/x-protobuf");

    private readonly SpanFragment[] _fragments = new SpanFragment[3];
    private readonly ArrayBufferWriter<byte> _body = new(16 * 1024);
    private readonly AcceptingHandler _handler = new();
    private readonly OtlpProtobufEnvelope _envelope = new(new OtlpResource("benchmark"));
    private HttpClient _client = null!;
    private OpenTelemetrySpanTree _openTelemetry = null!;
    private SpanTreeFixture _fixture = null!;
    private SdkSpanTreeInputs _inputs;
    private byte[] _preEncodedBody = [];

    [Params(ContentCase.Withheld, ContentCase.Content2KB)]
    public ContentCase Content { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = SpanTreeFixture.For(Content);
        _inputs = SdkSpanTreeInputs.For(_fixture);
        _client = new HttpClient(_handler, disposeHandler: false);

        // First: the check records a tree of its own, which every OpenTelemetry provider alive would see.
        ProtobufFairnessCheck.AssertSameSpans(_fixture);
        _openTelemetry = new OpenTelemetrySpanTree(_handler, holdTree: true);
        _openTelemetry.Record(_fixture);
        EncodeBody();
        _preEncodedBody = _body.WrittenSpan.ToArray();
        AssertTheRenderingIsTheSpansContent();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _openTelemetry.Dispose();
        _client.Dispose();
    }

    [Benchmark(Baseline = true, Description = "OtlpBroadcast: encode (3 fragments + request body)")]
    public int Sdk() => EncodeBody();

    [Benchmark(Description = "OtlpBroadcast: encode + post to the handler")]
    public int SdkAndPost()
    {
        int length = EncodeBody();
        Post(_body.WrittenMemory);
        return length;
    }

    [Benchmark(Description = "OpenTelemetry .NET: export step (serialise + post)")]
    public OpenTelemetry.ExportResult OpenTelemetryExportStep() => _openTelemetry.ExportHeldTree();

    /// <summary>
    /// Only the part of <see cref="Sdk"/> that renders the messages to content JSON, as the generated writers do for a
    /// protobuf span (<c>gen_ai.input.messages</c> from the request, <c>gen_ai.output.messages</c> from the response):
    /// the work OpenTelemetry .NET's caller did before its export step, when it made the content a string. In the
    /// withheld case the same rendering runs over the fixture's short messages, which shows what the structure costs
    /// without the text.
    /// </summary>
    [Benchmark(Description = "OtlpBroadcast: rendering the messages to content JSON alone")]
    public int ContentRenderingAlone()
    {
        (ContentJsonBuffer input, ContentJsonBuffer output) = RenderContent();
        using (input)
        using (output)
        {
            return input.GetWrittenUtf8().Length + output.GetWrittenUtf8().Length;
        }
    }

    /// <summary>
    /// What OpenTelemetry .NET's caller did before its export step to give the generation span the same two content
    /// attributes: the messages in the conventions' shape, serialised to strings by System.Text.Json (source-generated,
    /// as benchmark 1's peers render them) for <c>Activity.SetTag</c>. Added to <see cref="OpenTelemetryExportStep"/>,
    /// it is the peer's side of the work that <see cref="Sdk"/> does in one step. In the withheld case the peer's
    /// caller renders nothing, as <see cref="OpenTelemetrySpanTree"/> sets no content tags then.
    /// </summary>
    [Benchmark(Description = "OpenTelemetry .NET's caller: rendering the messages to content strings (System.Text.Json)")]
    public int OpenTelemetryCallersContentRendering()
        => _fixture.IncludeContent
            ? ContentText.Messages(_fixture.Request.Messages).Length + ContentText.OutputMessages(_fixture.Response.Choices).Length
            : 0;

    /// <summary>The two content attributes rendered as the generated writers render them for a protobuf span, in
    /// buffers the caller disposes.</summary>
    private (ContentJsonBuffer Input, ContentJsonBuffer Output) RenderContent()
    {
        ContentJsonBuffer input = ContentJsonBuffer.Rent<DestinationAttributeSink<OtlpProtobufAttributeSink>>();
        input.WriteStartArray();
        foreach (OpenAi.ChatMessage message in _fixture.Request.Messages)
        {
            input.WriteObject(message);
        }

        input.WriteEndArray();
        ContentJsonBuffer output = ContentJsonBuffer.Rent<DestinationAttributeSink<OtlpProtobufAttributeSink>>();
        output.WriteStartArray();
        foreach (OpenAi.ChatChoice choice in _fixture.Response.OutputMessages)
        {
            output.WriteObject(choice);
        }

        output.WriteEndArray();
        return (input, output);
    }

    /// <summary>With content, what <see cref="ContentRenderingAlone"/> renders must be the generation span's
    /// <c>gen_ai.input.messages</c> and <c>gen_ai.output.messages</c>, as <see cref="Sdk"/> encodes them.</summary>
    private void AssertTheRenderingIsTheSpansContent()
    {
        if (!_fixture.IncludeContent)
        {
            return;
        }

        (ContentJsonBuffer input, ContentJsonBuffer output) = RenderContent();
        using var disposeInput = input;
        using var disposeOutput = output;

        Testing.ReceivedSpan generation = Testing.OtlpProtobufTraceDecoder.Decode(_preEncodedBody).Spans.Single(span => span.Name == SpanTreeFixture.GenerationName);
        if (generation.Attributes["gen_ai.input.messages"].AsString() != System.Text.Encoding.UTF8.GetString(input.GetWrittenUtf8())
            || generation.Attributes["gen_ai.output.messages"].AsString() != System.Text.Encoding.UTF8.GetString(output.GetWrittenUtf8()))
        {
            throw new InvalidOperationException("The content rendering row does not render what the generation span carries.");
        }
    }

    [Benchmark(Description = "Post alone (a ready body, same handler)")]
    public void PostAlone() => Post(_preEncodedBody);

    /// <summary>The tree's three fragments and the <c>ExportTraceServiceRequest</c> around them in a reused buffer.</summary>
    private int EncodeBody()
    {
        SdkSpanTreeEncoder.Encode(_fixture, _inputs, _fragments, SpanEncoding.Protobuf);
        _body.ResetWrittenCount();
        _envelope.Write(_body, _fragments);
        foreach (SpanFragment fragment in _fragments)
        {
            fragment.Release();
        }

        return _body.WrittenCount;
    }

    /// <summary>Posts a body the way OpenTelemetry .NET's HTTP export client does: a new request with the body as its
    /// content, sent synchronously, success checked.</summary>
    private void Post(ReadOnlyMemory<byte> body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint);
        request.Content = new ReadOnlyMemoryContent(body);
        request.Content.Headers.ContentType = ProtobufType;
        using HttpResponseMessage response = _client.Send(request);
        response.EnsureSuccessStatusCode();
    }
}

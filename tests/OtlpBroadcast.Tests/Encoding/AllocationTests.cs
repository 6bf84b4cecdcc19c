using System.Buffers;
using System.Text.Json;
using static OtlpBroadcast.Tests.OtlpEncoding.EncodingTestHelpers;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// "Allocation-free" is asserted by counting bytes allocated on the test's thread, never by timing. Serial, so that
/// nothing else draws from the fragment and array pools while the counts are taken.
/// </summary>
[Collection(SerialEncodingCollection.Name)]
public class AllocationTests
{
    private const int WarmUp = 200;
    private const int Iterations = 1000;

    /// <summary>What a generated writer for an LLM call looks like: about 25 typed calls, existing strings only.</summary>
    private readonly struct GenerationAttributes : IAttributeSource
    {
        public required string Provider { get; init; }
        public required string Model { get; init; }
        public required string ResponseId { get; init; }
        public required string UserId { get; init; }
        public required string SessionId { get; init; }
        public required string Prompt { get; init; }
        public required string MetadataKey { get; init; }
        public required AttributeValue MetadataValue { get; init; }
        public required string[] FinishReasons { get; init; }
        public required long InputTokens { get; init; }
        public required long OutputTokens { get; init; }
        public required double InputCost { get; init; }
        public required double OutputCost { get; init; }

        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.Write("trace.name"u8, "chat");
            sink.Write("span.type"u8, "generation");
            sink.Write("span.level"u8, "DEFAULT");
            sink.Write("gen_ai.operation.name"u8, "chat");
            sink.Write("gen_ai.provider.name"u8, Provider);
            sink.Write("gen_ai.system"u8, Provider);
            sink.Write("gen_ai.request.model"u8, Model);
            sink.Write("gen_ai.response.model"u8, Model.AsSpan());
            sink.Write("gen_ai.response.id"u8, ResponseId);
            sink.Write("user.id"u8, UserId);
            sink.Write("session.id"u8, SessionId);
            sink.Write("gen_ai.conversation.id"u8, (string?)null);
            sink.WriteUtf8("server.address"u8, "api.example.com"u8);
            sink.Write("server.port"u8, 443L);
            sink.Write("gen_ai.request.stream"u8, true);
            sink.Write("gen_ai.request.temperature"u8, 0.7);
            sink.Write("gen_ai.usage.input_tokens"u8, InputTokens);
            sink.Write("gen_ai.usage.output_tokens"u8, OutputTokens);
            sink.Write("gen_ai.usage.total_tokens"u8, InputTokens + OutputTokens);
            sink.Write("gen_ai.usage.input_tokens.cached"u8, 0L);
            sink.Write("gen_ai.usage.input_cost"u8, InputCost);
            sink.Write("gen_ai.usage.output_cost"u8, OutputCost);
            sink.Write("gen_ai.usage.total_cost"u8, InputCost + OutputCost);
            sink.Write("gen_ai.usage.cost"u8, InputCost + OutputCost);
            sink.Write("privacy.withheld"u8, false);
            sink.BeginArray("gen_ai.response.finish_reasons"u8);
            foreach (string reason in FinishReasons)
            {
                sink.WriteArrayItem(reason);
            }

            sink.WriteArrayItem(2L);
            sink.WriteArrayItem(double.NaN);
            sink.EndArray();
            AttributeKeys.Write(ref sink, "trace.metadata."u8, MetadataKey, MetadataValue);
            sink.Write("gen_ai.prompt"u8, Prompt);
        }
    }

    private static GenerationAttributes NewGenerationAttributes() => new()
    {
        Provider = "openai",
        Model = "gpt-4o-2024-08-06",
        ResponseId = "chatcmpl-AbCdEf0123456789",
        UserId = "user_42",
        SessionId = "session-7f3a",
        // Needs escaping (quotes, newline, control character) and holds non-ASCII text.
        Prompt = "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Bonjour, ça va ? 東京 😀\\n\u0001\"}]}]",
        MetadataKey = "environment",
        MetadataValue = AttributeValue.FromString("production"),
        FinishReasons = ["stop", "length"],
        InputTokens = 1234,
        OutputTokens = 567,
        InputCost = 0.0030850,
        OutputCost = 0.005670,
    };

    private static SpanHeader NewHeader() => new()
    {
        TraceId = TraceId.FromString("app_trace_001"),
        SpanId = SpanId.FromString("app_span_001"),
        ParentSpanId = SpanId.FromString("parent"),
        Name = "chat gpt-4o",
        Kind = SpanKind.Client,
        StartTimeUnixNano = 1_700_000_000_000_000_000,
        EndTimeUnixNano = 1_700_000_001_250_000_000,
        Status = SpanStatus.Ok,
    };

    private static string Describe(long bytes) => $"{bytes} bytes over {Iterations} encodings ({(double)bytes / Iterations:0.##} per encoding)";

    [Fact]
    public void GeneratedStyleSourceEncodesWithoutAllocating()
    {
        SpanHeader header = NewHeader();
        GenerationAttributes attributes = NewGenerationAttributes();

        // The source really writes what it claims: 25 attributes and the array's items reach the JSON.
        SpanFragment check = OtlpJsonSpanEncoder.Encode(header, ref attributes, contentWithheld: false);
        using (JsonDocument document = JsonDocument.Parse(check.Memory))
        {
            JsonElement written = document.RootElement.GetProperty("attributes");
            Assert.Equal(27, written.GetArrayLength());
            Assert.Equal("trace.metadata.environment", written[25].GetProperty("key").GetString());
            Assert.Equal(4, ArrayItemsOf(written[24].GetProperty("value")).Length);
        }

        check.Release();

        for (int i = 0; i < WarmUp; i++)
        {
            OtlpJsonSpanEncoder.Encode(header, ref attributes, contentWithheld: false).Release();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            OtlpJsonSpanEncoder.Encode(header, ref attributes, contentWithheld: false).Release();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, Describe(allocated));
    }

    [Fact]
    public void GeneratedStyleSourceWithEventsAndLinksEncodesWithoutAllocating()
    {
        SpanHeader header = NewHeader();
        GenerationAttributes attributes = NewGenerationAttributes();
        var firstToken = new SpanEvent("gen_ai.first_token", 1_700_000_000_300_000_000);
        firstToken.Attributes.Add(new SpanAttribute("gen_ai.latency_ms", 300L));
        List<SpanEvent> events = [firstToken];
        List<SpanLink> links = [new SpanLink(TraceId.FromString("other"), SpanId.FromString("other")) { TraceState = "a=b" }];

        for (int i = 0; i < WarmUp; i++)
        {
            OtlpJsonSpanEncoder.Encode(header, ref attributes, contentWithheld: false, events, links).Release();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            OtlpJsonSpanEncoder.Encode(header, ref attributes, contentWithheld: false, events, links).Release();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, Describe(allocated));
    }

    [Fact]
    public void ModelWithPreallocatedAttributesEncodesWithoutAllocating()
    {
        OtlpSpan span = new OtlpSpan(TraceId.FromString("model"), SpanId.FromString("model"), "chat gpt-4o")
        {
            ParentSpanId = SpanId.FromString("parent"),
            Kind = SpanKind.Client,
            StartTimeUnixNano = 1_700_000_000_000_000_000,
            EndTimeUnixNano = 1_700_000_001_000_000_000,
            Status = SpanStatus.Error("rate limited"),
        }
            .With("gen_ai.operation.name", "chat")
            .With("gen_ai.request.model", "gpt-4o")
            .With("gen_ai.usage.input_tokens", 1234L)
            .With("gen_ai.usage.total_cost", 0.00876)
            .With("gen_ai.request.stream", true)
            .With("gen_ai.response.finish_reasons", AttributeValue.FromArray("stop", "length"))
            .With("trace.metadata", AttributeValue.FromKeyValueList(new SpanAttribute("environment", "prod"), new SpanAttribute("n", 1L)))
            .With("payload", AttributeValue.FromBytes([1, 2, 3]))
            .With("gen_ai.prompt", "Bonjour, ça va ? \"quoted\" 東京 😀");
        var spanEvent = new SpanEvent("exception", 1_700_000_000_500_000_000);
        spanEvent.Attributes.Add(new SpanAttribute("exception.type", "HttpRequestException"));
        span.Events.Add(spanEvent);
        span.Links.Add(new SpanLink(TraceId.FromString("linked"), SpanId.FromString("linked")));

        for (int i = 0; i < WarmUp; i++)
        {
            OtlpJsonSpanEncoder.Encode(span).Release();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            OtlpJsonSpanEncoder.Encode(span).Release();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, Describe(allocated));
    }

    [Fact]
    public void EnvelopeWriteIntoAReusedBufferDoesNotAllocate()
    {
        var envelope = new OtlpJsonEnvelope(new OtlpResource("alloc-test"));
        var fragments = new List<SpanFragment>();
        for (int i = 0; i < 3; i++)
        {
            fragments.Add(OtlpJsonSpanEncoder.Encode(NewSpan("span-" + i)));
        }

        try
        {
            var output = new ArrayBufferWriter<byte>(64 * 1024);
            for (int i = 0; i < WarmUp; i++)
            {
                output.ResetWrittenCount();
                envelope.Write(output, fragments);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Iterations; i++)
            {
                output.ResetWrittenCount();
                envelope.Write(output, fragments);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, Describe(allocated));
            Assert.Equal(envelope.MeasureBody(3, fragments.Sum(f => (long)f.Length)), output.WrittenCount);
        }
        finally
        {
            foreach (SpanFragment fragment in fragments)
            {
                fragment.Release();
            }
        }
    }

    [Fact]
    public void GeneratedStyleSourceEncodesToProtobufWithoutAllocating()
    {
        SpanHeader header = NewHeader();
        GenerationAttributes attributes = NewGenerationAttributes();
        var firstToken = new SpanEvent("gen_ai.first_token", 1_700_000_000_300_000_000);
        firstToken.Attributes.Add(new SpanAttribute("gen_ai.latency_ms", 300L));
        List<SpanEvent> events = [firstToken];
        List<SpanLink> links = [new SpanLink(TraceId.FromString("other"), SpanId.FromString("other")) { TraceState = "a=b" }];

        // The same source really writes its 27 attributes into the protobuf span.
        SpanFragment check = OtlpProtobufSpanEncoder.Encode(header, ref attributes, contentWithheld: false, events, links);
        try
        {
            var body = new ArrayBufferWriter<byte>();
            new OtlpProtobufEnvelope(new OtlpResource("alloc-test")).Write(body, [check]);
            OtlpBroadcast.Testing.ReceivedSpan span = Assert.Single(OtlpBroadcast.Testing.OtlpProtobufTraceDecoder.Decode(body.WrittenSpan).Spans);
            Assert.Equal(27, span.Attributes.Count);
            Assert.Equal(4, span["gen_ai.response.finish_reasons"].AsArray().Count);
            Assert.Single(span.Events);
        }
        finally
        {
            check.Release();
        }

        for (int i = 0; i < WarmUp; i++)
        {
            OtlpProtobufSpanEncoder.Encode(header, ref attributes, contentWithheld: false, events, links).Release();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            OtlpProtobufSpanEncoder.Encode(header, ref attributes, contentWithheld: false, events, links).Release();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, Describe(allocated));
    }

    [Fact]
    public void ModelWithALargeValueEncodesToProtobufWithoutAllocating()
    {
        // A 20 kB prompt makes every enclosing length a multi-byte varint, so the length patching moves bytes.
        OtlpSpan span = new OtlpSpan(TraceId.FromString("model"), SpanId.FromString("model"), "chat gpt-4o")
        {
            StartTimeUnixNano = 1_700_000_000_000_000_000,
            EndTimeUnixNano = 1_700_000_001_000_000_000,
            Status = SpanStatus.Error("rate limited"),
        }
            .With("gen_ai.response.finish_reasons", AttributeValue.FromArray("stop", "length"))
            .With("trace.metadata", AttributeValue.FromKeyValueList(new SpanAttribute("environment", "prod"), new SpanAttribute("n", 1L)))
            .With("gen_ai.prompt", new string('é', 10_000));

        for (int i = 0; i < WarmUp; i++)
        {
            OtlpProtobufSpanEncoder.Encode(span).Release();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            OtlpProtobufSpanEncoder.Encode(span).Release();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, Describe(allocated));
    }

    [Fact]
    public void ProtobufEnvelopeWriteIntoAReusedBufferDoesNotAllocate()
    {
        var envelope = new OtlpProtobufEnvelope(new OtlpResource("alloc-test"));
        var fragments = new List<SpanFragment>();
        for (int i = 0; i < 3; i++)
        {
            fragments.Add(OtlpProtobufSpanEncoder.Encode(NewSpan("span-" + i)));
        }

        try
        {
            var output = new ArrayBufferWriter<byte>(64 * 1024);
            for (int i = 0; i < WarmUp; i++)
            {
                output.ResetWrittenCount();
                envelope.Write(output, fragments);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Iterations; i++)
            {
                output.ResetWrittenCount();
                envelope.Write(output, fragments);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, Describe(allocated));
            Assert.Equal(envelope.MeasureBody(fragments), output.WrittenCount);
        }
        finally
        {
            foreach (SpanFragment fragment in fragments)
            {
                fragment.Release();
            }
        }
    }

    [Fact]
    public void TheCounterSeesAllocations()
    {
        // Guards the method itself: if the counter could not see an allocation, the tests above would prove nothing.
        long before = GC.GetAllocatedBytesForCurrentThread();
        object[] sink = new object[Iterations];
        for (int i = 0; i < sink.Length; i++)
        {
            sink[i] = new byte[16];
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(sink);
        Assert.True(allocated >= Iterations * 16, Describe(allocated));
    }
}

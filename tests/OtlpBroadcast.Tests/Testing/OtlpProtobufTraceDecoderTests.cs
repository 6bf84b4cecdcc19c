using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>The receiver's own protobuf reader refuses what a real receiver refuses, and strictly what only a buggy
/// exporter sends. Bodies are written out by hand so that they do not depend on the SDK's writer.</summary>
public class OtlpProtobufTraceDecoderTests
{
    private static readonly byte[] TraceId = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];
    private static readonly byte[] SpanId = [.. Enumerable.Range(17, 8).Select(i => (byte)i)];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }

    private static byte[] Field(int number, byte[] payload) => [(byte)((number << 3) | 2), .. Varint((ulong)payload.Length), .. payload];

    private static byte[] ValidSpanFields() =>
    [
        .. Field(1, TraceId), .. Field(2, SpanId), .. Field(5, "root"u8.ToArray()),
        0x39, 1, 0, 0, 0, 0, 0, 0, 0, 0x41, 2, 0, 0, 0, 0, 0, 0, 0,
    ];

    private static byte[] Request(byte[] spanFields) => Field(1, Field(2, Field(2, spanFields)));

    [Fact]
    public void DecodesAHandWrittenSpan()
    {
        byte[] kv = [.. Field(1, "n"u8.ToArray()), .. Field(2, [0x18, 0x05])];
        ReceivedSpan span = Assert.Single(OtlpProtobufTraceDecoder.Decode(Request([.. ValidSpanFields(), .. Field(9, kv), 0x30, 0x03])).Spans);

        Assert.Equal("0102030405060708090a0b0c0d0e0f10", span.TraceId);
        Assert.Equal("1112131415161718", span.SpanId);
        Assert.Equal("root", span.Name);
        Assert.Equal(3, span.Kind);
        Assert.Equal(1, span.StartTimeUnixNano);
        Assert.Equal(2, span.EndTimeUnixNano);
        Assert.Equal(5, span["n"].AsInt());
    }

    [Fact]
    public void AnUnknownFieldIsRefusedStrictlyAndSkippedLeniently()
    {
        byte[] body = Request([.. ValidSpanFields(), 0xB8, 0x01, 0x07]); // field 23, varint

        var error = Assert.Throws<OtlpDecodeException>(() => OtlpProtobufTraceDecoder.Decode(body));
        Assert.Contains("unknown field 23", error.Message, StringComparison.Ordinal);
        Assert.Single(OtlpProtobufTraceDecoder.Decode(body, strict: false).Spans);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(0)]
    public void ATraceIdOfTheWrongLengthOrAllZeroIsRefused(int variant)
    {
        byte[] traceId = variant == 0 ? new byte[16] : TraceId[..15];
        byte[] body = Request([.. Field(1, traceId), .. Field(2, SpanId), .. Field(5, "root"u8.ToArray())]);

        var error = Assert.Throws<OtlpDecodeException>(() => OtlpProtobufTraceDecoder.Decode(body, strict: false));
        Assert.StartsWith("resourceSpans[0].scopeSpans[0].spans[0].traceId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKnownFieldWithTheWrongWireTypeIsRefused()
    {
        // start_time_unix_nano (7) as a varint instead of fixed64.
        byte[] body = Request([.. Field(1, TraceId), .. Field(2, SpanId), .. Field(5, "root"u8.ToArray()), 0x38, 0x01]);

        var error = Assert.Throws<OtlpDecodeException>(() => OtlpProtobufTraceDecoder.Decode(body, strict: false));
        Assert.Contains("wire type 0, expected 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyAnyValueAndATruncatedBodyAreRefused()
    {
        byte[] kv = [.. Field(1, "k"u8.ToArray()), .. Field(2, [])];
        Assert.Throws<OtlpDecodeException>(() => OtlpProtobufTraceDecoder.Decode(Request([.. ValidSpanFields(), .. Field(9, kv)]), strict: false));

        byte[] truncated = Request(ValidSpanFields())[..^3];
        Assert.Throws<OtlpDecodeException>(() => OtlpProtobufTraceDecoder.Decode(truncated, strict: false));
    }

    [Fact]
    public void InvalidUtf8InAStringIsRefused()
    {
        byte[] body = Request([.. Field(1, TraceId), .. Field(2, SpanId), .. Field(5, [0x72, 0xFF])]);

        var error = Assert.Throws<OtlpDecodeException>(() => OtlpProtobufTraceDecoder.Decode(body, strict: false));
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateAttributeKeysAreRefusedStrictly()
    {
        byte[] kv = [.. Field(1, "k"u8.ToArray()), .. Field(2, [0x10, 0x01])];
        byte[] body = Request([.. ValidSpanFields(), .. Field(9, kv), .. Field(9, kv)]);

        Assert.Throws<OtlpDecodeException>(() => OtlpProtobufTraceDecoder.Decode(body));
        Assert.Equal(2, Assert.Single(OtlpProtobufTraceDecoder.Decode(body, strict: false).Spans).Attributes.Count);
    }
}

/// <summary>The receiver answers a protobuf request in protobuf, as OTLP/HTTP requires.</summary>
public class OtlpTestReceiverProtobufTests
{
    [Fact]
    public async Task APartialSuccessToAProtobufRequestIsAProtobufResponse()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => ReceiverResponse.PartialSuccess(300, "dup"),
        });
        using var client = ReceiverClient.Create();
        var span = new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "s") { StartTimeUnixNano = 1, EndTimeUnixNano = 2 };
        SpanFragment fragment = OtlpProtobufSpanEncoder.Encode(span);
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        new OtlpProtobufEnvelope(new OtlpResource("receiver-test")).Write(body, [fragment]);
        fragment.Release();

        using var response = await client.PostAsync(receiver.TracesEndpoint, ReceiverClient.Content(body.WrittenSpan.ToArray(), "application/x-protobuf"));

        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        byte[] answer = await response.Content.ReadAsByteArrayAsync();

        // partial_success (1) { rejected_spans (1) = 300 (AC 02); error_message (2) = "dup" }
        Assert.Equal("0A08" + "08AC02" + "1203647570", Convert.ToHexString(answer));
        Assert.Single(receiver.Spans);
    }

    [Fact]
    public async Task ASuccessfulProtobufRequestGetsAnEmptyProtobufResponse()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();
        var span = new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "s") { StartTimeUnixNano = 1, EndTimeUnixNano = 2 };
        SpanFragment fragment = OtlpProtobufSpanEncoder.Encode(span);
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        new OtlpProtobufEnvelope(new OtlpResource("receiver-test")).Write(body, [fragment]);
        fragment.Release();

        using var response = await client.PostAsync(receiver.TracesEndpoint, ReceiverClient.Content(body.WrittenSpan.ToArray(), "application/x-protobuf"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("s", Assert.Single(receiver.Spans).Name);
    }
}

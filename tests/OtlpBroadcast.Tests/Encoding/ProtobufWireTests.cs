using System.Buffers;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// Byte-level checks of the protobuf encoding against the OTLP .proto field numbers and the protobuf wire format:
/// the expected bytes are written out by hand here, so a wrong field number, wire type or length fails.
/// </summary>
public class ProtobufWireTests
{
    private delegate void ProtobufSinkAction(ref OtlpProtobufAttributeSink sink);

    private static byte[] Attributes(ProtobufSinkAction action, int field = 9)
    {
        using var buffer = new ProtobufBuffer();
        var sink = new OtlpProtobufAttributeSink(buffer, field);
        action(ref sink);
        Assert.Equal(0, buffer.Depth);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Varint(ulong value)
    {
        using var buffer = new ProtobufBuffer();
        buffer.WriteVarint(value);
        return buffer.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(1UL, "01")]
    [InlineData(127UL, "7F")]
    [InlineData(128UL, "8001")]
    [InlineData(300UL, "AC02")]
    [InlineData(16383UL, "FF7F")]
    [InlineData(16384UL, "808001")]
    [InlineData(ulong.MaxValue, "FFFFFFFFFFFFFFFFFF01")]
    public void VarintsAreLittleEndianBase128(ulong value, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(Varint(value)));
        Assert.Equal(hex.Length / 2, ProtobufBuffer.VarintSize(value));
    }

    [Fact]
    public void AStringAttributeIsAKeyValueMessageInSpanField9()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.Write("k"u8, "v"));

        // 0x4A = field 9, wire type 2; KeyValue { 0x0A key "k"; 0x12 value AnyValue { 0x0A string_value "v" } }
        Assert.Equal("4A080A016B1203" + "0A0176", Convert.ToHexString(bytes));
    }

    [Fact]
    public void TheEnclosingFieldNumberIsTheCallersEventAttributesAre3()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.Write("k"u8, true), field: 3);

        // 0x1A = field 3, wire type 2; bool_value is field 2 varint (0x10).
        Assert.Equal("1A070A016B12021001", Convert.ToHexString(bytes));
    }

    [Fact]
    public void IntegersAreVarintsAndNegativeOnesTakeTenBytes()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.Write("n"u8, -1L));

        // int_value is field 3 varint (0x18); -1 as two's complement is ten bytes.
        Assert.Equal("4A100A016E120B18FFFFFFFFFFFFFFFFFF01", Convert.ToHexString(bytes));
    }

    [Fact]
    public void DoublesAreFixed64LittleEndian()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.Write("d"u8, 1.5));

        // double_value is field 4, wire type 1 (0x21); 1.5 = 0x3FF8000000000000, least significant byte first.
        Assert.Equal("4A0E0A01641209210000000000" + "00F83F", Convert.ToHexString(bytes));
    }

    [Fact]
    public void NonFiniteDoublesAreStringsAsInJson()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.Write("d"u8, double.NaN));
        Assert.Equal("4A0A0A016412050A034E614E", Convert.ToHexString(bytes));
    }

    [Fact]
    public void ArraysAreRepeatedAnyValueMessagesNeverPacked()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) =>
        {
            s.BeginArray("a"u8);
            s.WriteArrayItem(1L);
            s.WriteArrayItem(2L);
            s.EndArray();
        });

        // AnyValue.array_value is field 5 (0x2A); ArrayValue.values is field 1 (0x0A), one AnyValue message per item:
        // a packed encoding would be a single 0x0A 02 01 02.
        Assert.Equal("4A0F0A0161120A2A080A0218010A021802", Convert.ToHexString(bytes));
    }

    [Fact]
    public void KeyValueListEntriesAreKeyValuesInField1()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) =>
        {
            s.BeginKeyValueList("m"u8);
            s.Write("x"u8, 7L);
            s.EndKeyValueList();
        }, field: 9);

        // kvlist_value is field 6 (0x32); KeyValueList.values is field 1 (0x0A).
        Assert.Equal("4A100A016D120B" + "3209" + "0A07" + "0A0178" + "12021807", Convert.ToHexString(bytes));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(122)]
    [InlineData(123)]
    [InlineData(124)]
    [InlineData(200)]
    [InlineData(16_370)]
    [InlineData(16_400)]
    [InlineData(2_100_000)]
    public void NestedLengthsAreMinimalVarintsAroundEveryBoundary(int contentLength)
    {
        string value = new('x', contentLength);
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.Write("k"u8, value));

        // Built by hand from the inside out.
        byte[] anyValue = [0x0A, .. Varint((ulong)contentLength), .. System.Text.Encoding.ASCII.GetBytes(value)];
        byte[] keyValue = [0x0A, 0x01, (byte)'k', 0x12, .. Varint((ulong)anyValue.Length), .. anyValue];
        byte[] expected = [0x4A, .. Varint((ulong)keyValue.Length), .. keyValue];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    [Fact]
    public void SpanFieldsUseTheTraceProtoNumbersAndWireTypes()
    {
        var span = new OtlpSpan(TraceId.Parse("0102030405060708090a0b0c0d0e0f10"), SpanId.Parse("1112131415161718"), "s")
        {
            ParentSpanId = SpanId.Parse("2122232425262728"),
            Kind = SpanKind.Client,
            StartTimeUnixNano = 0x0102030405060708,
            EndTimeUnixNano = 0x0102030405060709,
            Status = SpanStatus.Error("e"),
        };
        var output = new ArrayBufferWriter<byte>();
        OtlpProtobufSpanWriter.Write(output, span);

        string expected =
            "0A10" + "0102030405060708090A0B0C0D0E0F10" // trace_id = 1, bytes
            + "1208" + "1112131415161718" // span_id = 2
            + "2208" + "2122232425262728" // parent_span_id = 4
            + "2A0173" // name = 5
            + "3003" // kind = 6, varint CLIENT
            + "39" + "0807060504030201" // start_time_unix_nano = 7, fixed64
            + "41" + "0907060504030201" // end_time_unix_nano = 8, fixed64
            + "7A05" + "120165" + "1802" // status = 15 { message = 2; code = 3 ERROR }
            + "8501" + "01000000"; // flags = 16, fixed32 (tag needs two bytes), sampled
        Assert.Equal(expected, Convert.ToHexString(output.WrittenSpan));
    }

    [Fact]
    public void EventsAndLinksUseTheirOwnFieldNumbers()
    {
        var span = new OtlpSpan(TraceId.Parse("0102030405060708090a0b0c0d0e0f10"), SpanId.Parse("1112131415161718"), "s")
        {
            StartTimeUnixNano = 1,
            EndTimeUnixNano = 2,
        };
        var spanEvent = new SpanEvent("e", 3);
        spanEvent.Attributes.Add(new SpanAttribute("k", true));
        span.Events.Add(spanEvent);
        span.Links.Add(new SpanLink(TraceId.Parse("0102030405060708090a0b0c0d0e0f10"), SpanId.Parse("2122232425262728")) { TraceState = "t" });
        var output = new ArrayBufferWriter<byte>();
        OtlpProtobufSpanWriter.Write(output, span);
        string hex = Convert.ToHexString(output.WrittenSpan);

        // Event (field 11): time = 1 fixed64, name = 2, attributes = 3.
        Assert.Contains("5A15" + "09" + "0300000000000000" + "120165" + "1A070A016B12021001", hex, StringComparison.Ordinal);

        // Link (field 13): trace_id = 1, span_id = 2, trace_state = 3, flags = 6 fixed32 (0x35).
        Assert.Contains("6A24" + "0A10" + "0102030405060708090A0B0C0D0E0F10" + "1208" + "2122232425262728" + "1A0174" + "35" + "01000000", hex, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEnvelopeFramesFragmentsAndItsMeasureIsExact()
    {
        var envelope = new OtlpProtobufEnvelope(new OtlpResource("wire-test"));
        var fragments = new List<SpanFragment>();
        try
        {
            // A large span makes the two enclosing lengths multi-byte varints.
            for (int i = 0; i < 3; i++)
            {
                var span = new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "span-" + i) { StartTimeUnixNano = 1, EndTimeUnixNano = 2 };
                span.With("big", new string('x', i * 20_000));
                fragments.Add(OtlpProtobufSpanEncoder.Encode(span));
            }

            var output = new ArrayBufferWriter<byte>();
            envelope.Write(output, fragments);

            Assert.Equal(envelope.MeasureBody(fragments), output.WrittenCount);
            byte[] body = output.WrittenSpan.ToArray();

            // ExportTraceServiceRequest.resource_spans = 1, length-delimited, with a three-byte length varint.
            Assert.Equal(0x0A, body[0]);
            DecodedTraces decoded = OtlpProtobufTraceDecoder.Decode(body);
            Assert.Equal(["span-0", "span-1", "span-2"], decoded.Spans.Select(s => s.Name));
            Assert.Equal("wire-test", decoded.Spans[0].Resource["service.name"].AsString());
            Assert.Equal(SdkInfo.Name, decoded.Spans[0].ScopeName);
            Assert.Equal(40_000, decoded.Spans[2]["big"].AsString().Length);
            Assert.Equal(envelope.Overhead, envelope.MeasureBody([]));
        }
        finally
        {
            fragments.ForEach(f => f.Release());
        }
    }

    [Fact]
    public void AJsonFragmentCannotGoIntoAProtobufEnvelope()
    {
        SpanFragment json = OtlpJsonSpanEncoder.Encode(new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "j"));
        try
        {
            var envelope = new OtlpProtobufEnvelope(new OtlpResource("wire-test"));
            Assert.Throws<ArgumentException>(() => envelope.Write(new ArrayBufferWriter<byte>(), [json]));
            Assert.Equal(SpanEncoding.Json, json.Encoding);
        }
        finally
        {
            json.Release();
        }
    }

    [Fact]
    public void InvalidUtf8KeysAndLoneSurrogatesBecomeReplacementCharacters()
    {
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) =>
        {
            s.WriteUtf8([0x6B, 0xFF], "v"u8);
            s.Write("s"u8, "a\uD800b".AsSpan());
        });
        DecodedTraces decoded = OtlpProtobufTraceDecoder.Decode(Wrap(bytes));
        ReceivedSpan received = Assert.Single(decoded.Spans);
        Assert.Equal("v", received["k\uFFFD"].AsString());
        Assert.Equal("a\uFFFDb", received["s"].AsString());
    }

    [Fact]
    public void KeysAreCopiedWholeAndAnyByteOutsideAsciiIsNoticedWhateverItsPosition()
    {
        // Eight bytes at a time, the last eight overlapping: every length around those steps, a high byte everywhere.
        for (int length = 0; length <= 25; length++)
        {
            byte[] key = [.. Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26)))];
            byte[] copy = new byte[length];
            Assert.True(ProtobufBuffer.CopyAscii(key, copy));
            Assert.Equal(key, copy);
            for (int at = 0; at < length; at++)
            {
                byte[] withHighByte = [.. key];
                withHighByte[at] = 0xC3;
                Assert.False(ProtobufBuffer.CopyAscii(withHighByte, new byte[length]), $"byte {at} of {length}");
            }
        }
    }

    [Theory]
    [InlineData(120, "4A7F0A016B127A3A78")]
    [InlineData(121, "4A80010A016B127B3A79")]
    public void AKeyValueOf127BytesHasOneByteLengthsAndOneOf128BytesALongerOne(int valueLength, string head)
    {
        // KeyValue { key "k", value { bytes_value (field 7) of valueLength bytes } }: 127 bytes of KeyValue with 120
        // bytes of value, 128 with 121 (its length takes two bytes).
        byte[] value = [.. Enumerable.Repeat((byte)0x55, valueLength)];
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.WriteBytes("k"u8, value));
        Assert.Equal(head + Convert.ToHexString(value), Convert.ToHexString(bytes));
    }

    [Fact]
    public void ContentJsonIsValidUtf8WhateverTheTextItHolds()
    {
        // Written without validation: the content JSON's own writer replaces lone surrogates and invalid UTF-8.
        using ContentJsonBuffer content = ContentJsonBuffer.Rent();
        content.WriteStartArray();
        content.WriteObject(new OpenAi.ChatMessage { Role = "user", Content = "a\uD800b \uDC00 東京 😀" });
        content.WriteObject(new InvalidUtf8Content());
        content.WriteEndArray();
        byte[] bytes = Attributes((ref OtlpProtobufAttributeSink s) => s.WriteContentJson("gen_ai.input.messages"u8, content));

        // The strict decoder refuses a string that is not valid UTF-8.
        ReceivedSpan received = Assert.Single(OtlpProtobufTraceDecoder.Decode(Wrap(bytes)).Spans);
        using System.Text.Json.JsonDocument messages = System.Text.Json.JsonDocument.Parse(received["gen_ai.input.messages"].AsString());
        Assert.Equal("a\uFFFDb \uFFFD 東京 😀", messages.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
        Assert.Equal("k\uFFFD", messages.RootElement[1].GetProperty("raw").GetString());
    }

    [Fact]
    public void AnUnclosedArrayIsAnErrorNotACorruptSpan()
    {
        var header = new SpanHeader { TraceId = TraceId.CreateRandom(), SpanId = SpanId.CreateRandom(), Name = "x" };
        var source = new UnclosedArray();
        Assert.Throws<InvalidOperationException>(() => OtlpProtobufSpanEncoder.Encode(header, ref source, contentWithheld: false));

        // The thread's buffer was reset: the next span encodes cleanly.
        var fine = new NoAttributes();
        SpanFragment fragment = OtlpProtobufSpanEncoder.Encode(header with { StartTimeUnixNano = 1, EndTimeUnixNano = 2 }, ref fine, contentWithheld: false);
        try
        {
            ReceivedSpan span = Assert.Single(OtlpProtobufTraceDecoder.Decode(Wrap(fragment.Bytes, spanBody: true)).Spans);
            Assert.Equal("x", span.Name);
        }
        finally
        {
            fragment.Release();
        }
    }

    private readonly struct UnclosedArray : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.BeginArray("a"u8);
            sink.WriteArrayItem(1L);
        }
    }

    /// <summary>A content object with a key and a value that are not valid UTF-8.</summary>
    private sealed class InvalidUtf8Content : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
            => sink.WriteUtf8("raw"u8, [0x6B, 0xC3]);
    }

    /// <summary>Wraps span attributes (or a whole span body) into a request with one span.</summary>
    private static byte[] Wrap(ReadOnlySpan<byte> attributesOrSpan, bool spanBody = false)
    {
        byte[] span = spanBody
            ? attributesOrSpan.ToArray()
            : [0x0A, 0x10, .. Enumerable.Repeat((byte)1, 16), 0x12, 0x08, .. Enumerable.Repeat((byte)2, 8), 0x2A, 0x01, (byte)'n',
                0x39, 1, 0, 0, 0, 0, 0, 0, 0, 0x41, 2, 0, 0, 0, 0, 0, 0, 0, .. attributesOrSpan];
        byte[] scopeSpans = [0x12, .. Varint((ulong)span.Length), .. span];
        byte[] resourceSpans = [0x12, .. Varint((ulong)scopeSpans.Length), .. scopeSpans];
        return [0x0A, .. Varint((ulong)resourceSpans.Length), .. resourceSpans];
    }
}

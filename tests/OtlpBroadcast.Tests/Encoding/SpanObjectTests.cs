using System.Text.Json;
using static OtlpBroadcast.Tests.OtlpEncoding.EncodingTestHelpers;

namespace OtlpBroadcast.Tests.OtlpEncoding;

public class SpanObjectTests
{
    private static readonly TraceId UpperHexTraceId = TraceId.Parse("ABCDEF0123456789ABCDEF0123456789");
    private static readonly SpanId UpperHexSpanId = SpanId.Parse("FEDCBA9876543210");
    private static readonly SpanId UpperHexParentId = SpanId.Parse("A1B2C3D4E5F60718");

    private static OtlpSpan FullSpan()
    {
        var span = new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "chat gpt-4o")
        {
            ParentSpanId = UpperHexParentId,
            TraceState = "vendor=value",
            Kind = SpanKind.Client,
            StartTimeUnixNano = 1_700_000_000_123_456_789,
            EndTimeUnixNano = 1_700_000_001_987_654_321,
            DroppedAttributesCount = 3,
            Status = SpanStatus.Error("upstream timed out"),
        };
        span.With("gen_ai.operation.name", "chat").With("gen_ai.usage.input_tokens", 12L);

        var firstEvent = new SpanEvent("gen_ai.content.prompt", 1_700_000_000_500_000_000);
        firstEvent.Attributes.Add(new SpanAttribute("gen_ai.prompt", "hello"));
        span.Events.Add(firstEvent);
        span.Events.Add(new SpanEvent("empty-event", long.MaxValue));

        var link = new SpanLink(TraceId.Parse("11112222333344445555666677778888"), SpanId.Parse("AAAABBBBCCCCDDDD"))
        {
            TraceState = "k=v",
            Flags = SpanFlags.Sampled | SpanFlags.ContextHasIsRemote | SpanFlags.ContextIsRemote,
        };
        link.Attributes.Add(new SpanAttribute("link.reason", "retry"));
        span.Links.Add(link);
        span.Links.Add(new SpanLink(TraceId.Parse("99990000999900009999000099990000"), SpanId.Parse("0000000000000001")));
        return span;
    }

    [Fact]
    public void FullSpanHasExactlyTheOtlpPropertyNames()
    {
        JsonElement root = EncodeAndParse(FullSpan());

        Assert.Equal(
            new[]
            {
                "attributes", "droppedAttributesCount", "endTimeUnixNano", "events", "flags", "kind", "links", "name",
                "parentSpanId", "spanId", "startTimeUnixNano", "status", "traceId", "traceState",
            },
            PropertyNames(root).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MinimalRootSpanOmitsOptionalProperties()
    {
        var span = new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "root");
        JsonElement root = EncodeAndParse(span);

        Assert.Equal(
            new[] { "attributes", "endTimeUnixNano", "flags", "kind", "name", "spanId", "startTimeUnixNano", "status", "traceId" },
            PropertyNames(root).Order(StringComparer.Ordinal));
        Assert.Equal(0, root.GetProperty("attributes").GetArrayLength());
        Assert.Equal("0", root.GetProperty("startTimeUnixNano").GetString());
        Assert.Equal("0", root.GetProperty("endTimeUnixNano").GetString());

        // Unset status: the code is the proto3 default and may be left out, but the object must stay valid.
        JsonElement status = root.GetProperty("status");
        Assert.Equal(JsonValueKind.Object, status.ValueKind);
        Assert.False(status.TryGetProperty("message", out _));
        if (status.TryGetProperty("code", out JsonElement code))
        {
            Assert.Equal(0, code.GetInt32());
        }
    }

    [Fact]
    public void IdsAreLowercaseHexStrings()
    {
        JsonElement root = EncodeAndParse(FullSpan());

        Assert.Equal("abcdef0123456789abcdef0123456789", root.GetProperty("traceId").GetString());
        Assert.Equal("fedcba9876543210", root.GetProperty("spanId").GetString());
        Assert.Equal("a1b2c3d4e5f60718", root.GetProperty("parentSpanId").GetString());
    }

    [Fact]
    public void FieldValuesHaveTheirWireTypes()
    {
        JsonElement root = EncodeAndParse(FullSpan());

        Assert.Equal("chat gpt-4o", root.GetProperty("name").GetString());
        Assert.Equal("vendor=value", root.GetProperty("traceState").GetString());

        Assert.Equal(JsonValueKind.Number, root.GetProperty("kind").ValueKind);
        Assert.Equal(3, root.GetProperty("kind").GetInt32());

        Assert.Equal(JsonValueKind.String, root.GetProperty("startTimeUnixNano").ValueKind);
        Assert.Equal("1700000000123456789", root.GetProperty("startTimeUnixNano").GetString());
        Assert.Equal(JsonValueKind.String, root.GetProperty("endTimeUnixNano").ValueKind);
        Assert.Equal("1700000001987654321", root.GetProperty("endTimeUnixNano").GetString());

        Assert.Equal(JsonValueKind.Number, root.GetProperty("flags").ValueKind);
        Assert.Equal(1u, root.GetProperty("flags").GetUInt32());

        Assert.Equal(JsonValueKind.Number, root.GetProperty("droppedAttributesCount").ValueKind);
        Assert.Equal(3u, root.GetProperty("droppedAttributesCount").GetUInt32());

        JsonElement status = root.GetProperty("status");
        Assert.Equal(["code", "message"], PropertyNames(status).Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.Number, status.GetProperty("code").ValueKind);
        Assert.Equal(2, status.GetProperty("code").GetInt32());
        Assert.Equal("upstream timed out", status.GetProperty("message").GetString());

        Dictionary<string, JsonElement> attributes = AttributesByKey(root.GetProperty("attributes"));
        Assert.Equal("chat", StringValueOf(attributes["gen_ai.operation.name"]));
        Assert.Equal("12", OnlyProperty(attributes["gen_ai.usage.input_tokens"], "intValue").GetString());
    }

    [Theory]
    [InlineData(SpanKind.Unspecified, 0)]
    [InlineData(SpanKind.Internal, 1)]
    [InlineData(SpanKind.Server, 2)]
    [InlineData(SpanKind.Client, 3)]
    [InlineData(SpanKind.Producer, 4)]
    [InlineData(SpanKind.Consumer, 5)]
    public void KindIsTheOtlpInteger(SpanKind kind, int expected)
    {
        JsonElement root = EncodeAndParse(new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "k") { Kind = kind });
        Assert.Equal(JsonValueKind.Number, root.GetProperty("kind").ValueKind);
        Assert.Equal(expected, root.GetProperty("kind").GetInt32());
    }

    [Theory]
    [InlineData(SpanStatusCode.Ok, 1)]
    [InlineData(SpanStatusCode.Error, 2)]
    public void StatusCodeIsTheOtlpInteger(SpanStatusCode code, int expected)
    {
        JsonElement root = EncodeAndParse(new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "s") { Status = new SpanStatus(code) });
        JsonElement status = root.GetProperty("status");
        Assert.Equal(JsonValueKind.Number, status.GetProperty("code").ValueKind);
        Assert.Equal(expected, status.GetProperty("code").GetInt32());
        Assert.False(status.TryGetProperty("message", out _));
    }

    [Fact]
    public void EmptyStatusMessageIsOmitted()
    {
        JsonElement root = EncodeAndParse(new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "s") { Status = SpanStatus.Error("") });
        Assert.Equal(["code"], PropertyNames(root.GetProperty("status")));
    }

    [Theory]
    [InlineData(0u, 1u)] // an exported span was sampled: the bit is always set
    [InlineData(SpanFlags.Sampled, 1u)]
    [InlineData(SpanFlags.ContextHasIsRemote, 0x101u)]
    [InlineData(SpanFlags.Sampled | SpanFlags.ContextHasIsRemote | SpanFlags.ContextIsRemote, 0x301u)]
    public void FlagsAreANumberWithTheSampledBit(uint flags, uint expected)
    {
        JsonElement root = EncodeAndParse(new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "f") { Flags = flags });
        Assert.Equal(JsonValueKind.Number, root.GetProperty("flags").ValueKind);
        Assert.Equal(expected, root.GetProperty("flags").GetUInt32());
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1L, "1")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(-1L, "-1")]
    public void TimesAreDecimalStrings(long nanos, string expected)
    {
        JsonElement root = EncodeAndParse(new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "t") { StartTimeUnixNano = nanos, EndTimeUnixNano = nanos });
        Assert.Equal(expected, root.GetProperty("startTimeUnixNano").GetString());
        Assert.Equal(expected, root.GetProperty("endTimeUnixNano").GetString());
    }

    [Fact]
    public void ParentSpanIdOnlyWhenSet()
    {
        var root = new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "root");
        var child = new OtlpSpan(UpperHexTraceId, SpanId.Parse("0000000000000002"), "child") { ParentSpanId = UpperHexSpanId };

        Assert.False(EncodeAndParse(root).TryGetProperty("parentSpanId", out _));
        Assert.Equal("fedcba9876543210", EncodeAndParse(child).GetProperty("parentSpanId").GetString());
    }

    [Fact]
    public void DroppedAttributesCountOnlyWhenNonZero()
    {
        var none = new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "d");
        var some = new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "d") { DroppedAttributesCount = uint.MaxValue };

        Assert.False(EncodeAndParse(none).TryGetProperty("droppedAttributesCount", out _));
        Assert.Equal(uint.MaxValue, EncodeAndParse(some).GetProperty("droppedAttributesCount").GetUInt32());
    }

    [Fact]
    public void EventsHaveTimeNameAndAttributes()
    {
        JsonElement events = EncodeAndParse(FullSpan()).GetProperty("events");
        Assert.Equal(2, events.GetArrayLength());

        JsonElement first = events[0];
        Assert.Equal(["attributes", "name", "timeUnixNano"], PropertyNames(first).Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.String, first.GetProperty("timeUnixNano").ValueKind);
        Assert.Equal("1700000000500000000", first.GetProperty("timeUnixNano").GetString());
        Assert.Equal("gen_ai.content.prompt", first.GetProperty("name").GetString());
        Assert.Equal("hello", StringValueOf(ValueOf(Assert.Single(first.GetProperty("attributes").EnumerateArray()), "gen_ai.prompt")));

        JsonElement second = events[1];
        Assert.Equal("9223372036854775807", second.GetProperty("timeUnixNano").GetString());
        Assert.Equal("empty-event", second.GetProperty("name").GetString());
        Assert.Equal(0, second.GetProperty("attributes").GetArrayLength());
    }

    [Fact]
    public void LinksHaveIdsTraceStateAttributesAndFlags()
    {
        JsonElement links = EncodeAndParse(FullSpan()).GetProperty("links");
        Assert.Equal(2, links.GetArrayLength());

        JsonElement first = links[0];
        Assert.Equal(["attributes", "flags", "spanId", "traceId", "traceState"], PropertyNames(first).Order(StringComparer.Ordinal));
        Assert.Equal("11112222333344445555666677778888", first.GetProperty("traceId").GetString());
        Assert.Equal("aaaabbbbccccdddd", first.GetProperty("spanId").GetString());
        Assert.Equal("k=v", first.GetProperty("traceState").GetString());
        Assert.Equal(JsonValueKind.Number, first.GetProperty("flags").ValueKind);
        Assert.Equal(0x301u, first.GetProperty("flags").GetUInt32());
        Assert.Equal("retry", StringValueOf(ValueOf(Assert.Single(first.GetProperty("attributes").EnumerateArray()), "link.reason")));

        JsonElement second = links[1];
        Assert.Equal(["attributes", "flags", "spanId", "traceId"], PropertyNames(second).Order(StringComparer.Ordinal));
        Assert.Equal("0000000000000001", second.GetProperty("spanId").GetString());
        Assert.Equal(1u, second.GetProperty("flags").GetUInt32());
    }

    [Fact]
    public void OutputStartsWithTheObjectNotABom()
    {
        byte[] bytes = EncodeToBytes(FullSpan());
        Assert.Equal((byte)'{', bytes[0]);
        Assert.Equal((byte)'}', bytes[^1]);
    }

    [Fact]
    public void KeysAreLowerCamelCaseAllTheWayDown()
    {
        // Every property name in the document, at any depth, is one of the OTLP names: a misspelled key would be
        // silently ignored by a receiver.
        string[] allowed =
        [
            "traceId", "spanId", "traceState", "parentSpanId", "flags", "name", "kind", "startTimeUnixNano",
            "endTimeUnixNano", "attributes", "droppedAttributesCount", "events", "timeUnixNano", "links", "status",
            "code", "message", "key", "value", "stringValue", "intValue", "boolValue", "doubleValue", "bytesValue",
            "arrayValue", "kvlistValue", "values",
        ];
        OtlpSpan span = FullSpan()
            .With("arr", AttributeValue.FromArray(1L, 1.5, true, AttributeValue.FromBytes([1])))
            .With("kv", AttributeValue.FromKeyValueList(new SpanAttribute("x", "y")));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        Collect(EncodeAndParse(span), seen);

        Assert.Subset(allowed.ToHashSet(StringComparer.Ordinal), seen);
        Assert.Equal(allowed.Length, seen.Count);

        static void Collect(JsonElement element, HashSet<string> names)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    names.Add(property.Name);
                    Collect(property.Value, names);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Collect(item, names);
                }
            }
        }
    }

    // ---- the header-based path ----

    private struct TwoAttributes : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.Write("a"u8, "1");
            sink.Write("b"u8, 2L);
        }
    }

    [Fact]
    public void HeaderEncodingMatchesTheModel()
    {
        var header = new SpanHeader
        {
            TraceId = UpperHexTraceId,
            SpanId = UpperHexSpanId,
            ParentSpanId = UpperHexParentId,
            Name = "header",
            Kind = SpanKind.Server,
            StartTimeUnixNano = 10,
            EndTimeUnixNano = 20,
            Status = SpanStatus.Ok,
            TraceState = "t=s",
            DroppedAttributesCount = 1,
        };
        var attributes = new TwoAttributes();
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(header, ref attributes, contentWithheld: true);
        byte[] fromHeader;
        try
        {
            Assert.True(fragment.ContentWithheld);
            Assert.Equal(SpanEncoding.Json, fragment.Encoding);
            fromHeader = AssertValidUtf8WithoutBom(fragment.Bytes.ToArray());
        }
        finally
        {
            fragment.Release();
        }

        var model = new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "header")
        {
            ParentSpanId = UpperHexParentId,
            Kind = SpanKind.Server,
            StartTimeUnixNano = 10,
            EndTimeUnixNano = 20,
            Status = SpanStatus.Ok,
            TraceState = "t=s",
            DroppedAttributesCount = 1,
            Flags = 0,
        };
        model.With("a", "1").With("b", 2L);

        Assert.Equal(EncodeToBytes(model), fromHeader);
    }

    [Fact]
    public void ModelEncodingDoesNotWithholdContent()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan());
        try
        {
            Assert.False(fragment.ContentWithheld);
        }
        finally
        {
            fragment.Release();
        }
    }

    [Fact]
    public void NoAttributesWritesAnEmptyArray()
    {
        var header = new SpanHeader { TraceId = UpperHexTraceId, SpanId = UpperHexSpanId, Name = "n" };
        var none = new NoAttributes();
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(header, ref none, contentWithheld: false);
        try
        {
            using JsonDocument document = JsonDocument.Parse(fragment.Memory);
            Assert.Equal(0, document.RootElement.GetProperty("attributes").GetArrayLength());
            Assert.Equal(0, document.RootElement.GetProperty("kind").GetInt32());
        }
        finally
        {
            fragment.Release();
        }
    }

    [Fact]
    public void HeaderWithInvalidIdsIsRejected()
    {
        var noTrace = new SpanHeader { TraceId = default, SpanId = UpperHexSpanId, Name = "n" };
        var noSpan = new SpanHeader { TraceId = UpperHexTraceId, SpanId = default, Name = "n" };
        var none = new NoAttributes();

        Assert.Throws<ArgumentException>(() => OtlpJsonSpanEncoder.Encode(noTrace, ref none, contentWithheld: false));
        Assert.Throws<ArgumentException>(() => OtlpJsonSpanEncoder.Encode(noSpan, ref none, contentWithheld: false));

        // The failed attempts leave the thread's encoder clean.
        JsonElement root = EncodeAndParse(new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "after"));
        Assert.Equal("after", root.GetProperty("name").GetString());
    }

    [Fact]
    public void ModelWithInvalidIdsIsRejected()
    {
        Assert.Equal("traceId", Assert.Throws<ArgumentException>(() => new OtlpSpan(default, UpperHexSpanId, "n")).ParamName);
        Assert.Equal("spanId", Assert.Throws<ArgumentException>(() => new OtlpSpan(UpperHexTraceId, default, "n")).ParamName);
        Assert.Throws<ArgumentNullException>(() => new OtlpSpan(UpperHexTraceId, UpperHexSpanId, null!));
    }

    private struct ThrowingAfterOne : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.Write("leaked.attribute"u8, "should not survive");
            throw new InvalidOperationException("generated writer failed");
        }
    }

    [Fact]
    public void AFailedEncodingDoesNotLeakIntoTheNext()
    {
        var header = new SpanHeader { TraceId = UpperHexTraceId, SpanId = UpperHexSpanId, Name = "failing" };
        var throwing = new ThrowingAfterOne();
        Assert.Throws<InvalidOperationException>(() => OtlpJsonSpanEncoder.Encode(header, ref throwing, contentWithheld: false));

        byte[] next = EncodeToBytes(new OtlpSpan(UpperHexTraceId, UpperHexSpanId, "next"));
        using JsonDocument document = JsonDocument.Parse(next);
        Assert.Equal("next", document.RootElement.GetProperty("name").GetString());
        Assert.Equal(-1, IndexOf(next, "leaked.attribute"u8));
        Assert.Equal(-1, IndexOf(next, "failing"u8));
    }

    [Fact]
    public void LargeSpansAreEncodedWhole()
    {
        // Far beyond the initial buffer, so the pooled buffer grows several times while writing.
        string big = new('x', 300_000);
        OtlpSpan span = NewSpan().With("big", big);
        for (int i = 0; i < 200; i++)
        {
            span.With("attr." + i, i);
        }

        JsonElement root = EncodeAndParse(span);
        JsonElement attributes = root.GetProperty("attributes");
        Assert.Equal(201, attributes.GetArrayLength());
        Assert.Equal(big, StringValueOf(ValueOf(attributes[0], "big")));
        Assert.Equal("199", OnlyProperty(ValueOf(attributes[200], "attr.199"), "intValue").GetString());
    }

    [Fact]
    public void EncodingsOnOneThreadAreIndependent()
    {
        // Two fragments alive at once: the second encoding must not overwrite the first one's bytes.
        SpanFragment first = OtlpJsonSpanEncoder.Encode(NewSpan("first"));
        byte[] firstCopy = first.Bytes.ToArray();
        SpanFragment second = OtlpJsonSpanEncoder.Encode(NewSpan("second"));
        try
        {
            Assert.Equal(firstCopy, first.Bytes.ToArray());
            Assert.NotEqual(firstCopy, second.Bytes.ToArray());
            using JsonDocument document = JsonDocument.Parse(second.Memory);
            Assert.Equal("second", document.RootElement.GetProperty("name").GetString());
        }
        finally
        {
            first.Release();
            second.Release();
        }
    }

    // ---- UnixNanos ----

    [Fact]
    public void UnixNanosFromDateTimeOffset()
    {
        Assert.Equal(0L, UnixNanos.From(DateTimeOffset.UnixEpoch));
        Assert.Equal(1_700_000_000_123_456_700L, UnixNanos.From(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4567)));
        Assert.Equal(1_000_000_000L, UnixNanos.From(new DateTimeOffset(1970, 1, 1, 2, 0, 1, TimeSpan.FromHours(2))));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void UnixNanosNowReadsTheTimeProvider()
    {
        Assert.Equal(2_000_000_000_000_000_000L, UnixNanos.Now(new FixedTime(DateTimeOffset.FromUnixTimeSeconds(2_000_000_000))));
        Assert.Throws<ArgumentNullException>(() => UnixNanos.Now(null!));
    }
}

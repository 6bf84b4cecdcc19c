using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>Lenient decoding accepts what a tolerant real receiver accepts, and still refuses what it refuses.</summary>
public class OtlpJsonLenientDecodingTests
{
    [Fact]
    public void AcceptsNumbersFor64BitIntegers()
    {
        var body = OtlpSamples.OneSpan("""
            "events":[{"name":"e","timeUnixNano":5}],
            "attributes":[{"key":"n","value":{"intValue":-42}},{"key":"s","value":{"intValue":"43"}}]
            """).Replace("\"startTimeUnixNano\":\"1\"", "\"startTimeUnixNano\":1700000000000000000", StringComparison.Ordinal);

        var span = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(body), strict: false).Spans[0];

        Assert.Equal(1_700_000_000_000_000_000L, span.StartTimeUnixNano);
        Assert.Equal(5, span.Events[0].TimeUnixNano);
        Assert.Equal(-42, span["n"].AsInt());
        Assert.Equal(43, span["s"].AsInt());
    }

    [Fact]
    public void IgnoresUnknownKeysSoAMisspelledKeyIsLost()
    {
        var body = OtlpSamples.OneSpan("\"trace_state\":\"x\",\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":\"v\",\"extra\":1}}]");

        var span = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(body), strict: false).Spans[0];

        Assert.Null(span.TraceState);
        Assert.Equal("v", span["k"].AsString());
    }

    [Fact]
    public void KeepsTheLastOfDuplicateKeysAndTreatsNullAsAbsent()
    {
        var body = OtlpSamples.OneSpan("\"kind\":1,\"kind\":2,\"traceState\":null,\"status\":null");

        var span = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(body), strict: false).Spans[0];

        Assert.Equal(2, span.Kind);
        Assert.Null(span.TraceState);
        Assert.Equal(0, span.StatusCode);
    }

    [Fact]
    public void LowersUpperCaseHexIds()
    {
        var body = OtlpSamples.OneSpan().Replace(OtlpSamples.TraceId, OtlpSamples.TraceId.ToUpperInvariant(), StringComparison.Ordinal);

        Assert.Equal(OtlpSamples.TraceId, OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(body), strict: false).Spans[0].TraceId);
    }

    [Theory]
    [InlineData("\"kind\":\"SPAN_KIND_CLIENT\"")]
    [InlineData("\"attributes\":[{\"key\":\"d\",\"value\":{\"doubleValue\":\"NaN\"}}]")]
    [InlineData("\"attributes\":[{\"key\":\"d\",\"value\":{}}]")]
    [InlineData("\"parentSpanId\":\"7uGbfsPBsXQ=\"")]
    public void StillRejectsWhatRealReceiversReject(string fields)
        => Assert.Throws<OtlpDecodeException>(() => OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(OtlpSamples.OneSpan(fields)), strict: false));

    [Fact]
    public void StillRejectsAByteOrderMark()
        => Assert.Throws<OtlpDecodeException>(() => OtlpJsonTraceDecoder.Decode([0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'], strict: false));
}

using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>Each rule of strict decoding, with the exact message a failing exporter test would show.</summary>
public class OtlpJsonStrictRuleTests
{
    private const string Span = "resourceSpans[0].scopeSpans[0].spans[0]";
    private const string Attribute = Span + ".attributes[0]";

    [Theory]
    [InlineData("\"trace_state\":\"x\"", Span + ".trace_state: unknown key (did you mean 'traceState'?)")]
    [InlineData("\"kind\":1,\"kind\":2", Span + ".kind: duplicate key")]
    [InlineData("\"kind\":\"SPAN_KIND_CLIENT\"", Span + ".kind: expected an integer 0..5 (span kind), found string \"SPAN_KIND_CLIENT\"")]
    [InlineData("\"kind\":6", Span + ".kind: expected an integer 0..5 (span kind), found number 6")]
    [InlineData("\"kind\":1.5", Span + ".kind: expected an integer 0..5 (span kind), found number 1.5")]
    [InlineData("\"status\":{\"code\":3}", Span + ".status.code: expected an integer 0..2 (status code), found number 3")]
    [InlineData("\"status\":{\"code\":\"STATUS_CODE_ERROR\"}", Span + ".status.code: expected an integer 0..2 (status code), found string \"STATUS_CODE_ERROR\"")]
    [InlineData("\"status\":{\"cod\":2}", Span + ".status.cod: unknown key (known keys: code, message)")]
    [InlineData("\"flags\":\"1\"", Span + ".flags: expected an unsigned 32-bit integer number, found string \"1\"")]
    [InlineData("\"droppedAttributesCount\":-1", Span + ".droppedAttributesCount: expected an unsigned 32-bit integer number, found number -1")]
    [InlineData("\"parentSpanId\":\"eee19b7ec3c1b17\"", Span + ".parentSpanId: expected 16 lowercase hex characters, found string \"eee19b7ec3c1b17\"")]
    [InlineData("\"parentSpanId\":\"0000000000000000\"", Span + ".parentSpanId: must not be all zeros (an invalid id)")]
    public void RejectsSpanField(string fields, string expected)
        => AssertRejected(OtlpSamples.OneSpan(fields), expected);

    [Theory]
    [InlineData("{\"stringValue\":\"a\",\"intValue\":\"1\"}", Attribute + ".value: expected exactly one value field, found 'stringValue' and 'intValue'")]
    [InlineData("{}", Attribute + ".value: expected exactly one value field (stringValue, boolValue, intValue, doubleValue, arrayValue, kvlistValue, bytesValue), found none")]
    [InlineData("{\"string_value\":\"a\"}", Attribute + ".value.string_value: unknown key (did you mean 'stringValue'?)")]
    [InlineData("{\"intValue\":42}", Attribute + ".value.intValue: expected a 64-bit integer as a decimal string (strict decoding refuses JSON numbers), found number 42")]
    [InlineData("{\"intValue\":\"042\"}", Attribute + ".value.intValue: expected a 64-bit integer as a decimal string, found string \"042\"")]
    [InlineData("{\"intValue\":\"9223372036854775808\"}", Attribute + ".value.intValue: expected a 64-bit integer as a decimal string, found string \"9223372036854775808\"")]
    [InlineData("{\"doubleValue\":\"0.5\"}", Attribute + ".value.doubleValue: expected a finite JSON number, found string \"0.5\"")]
    [InlineData("{\"doubleValue\":\"NaN\"}", Attribute + ".value.doubleValue: expected a finite JSON number, found string \"NaN\"")]
    [InlineData("{\"doubleValue\":1e999}", Attribute + ".value.doubleValue: expected a finite JSON number, found number 1e999")]
    [InlineData("{\"boolValue\":\"true\"}", Attribute + ".value.boolValue: expected true or false, found string \"true\"")]
    [InlineData("{\"bytesValue\":\"not base64!\"}", Attribute + ".value.bytesValue: expected base64 (standard alphabet, padded), found string \"not base64!\"")]
    [InlineData("{\"bytesValue\":\"-_8\"}", Attribute + ".value.bytesValue: expected base64 (standard alphabet, padded), found string \"-_8\"")]
    [InlineData("{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"intValue\":1}]}}", Attribute + ".value.arrayValue.values[1].intValue: expected a 64-bit integer as a decimal string (strict decoding refuses JSON numbers), found number 1")]
    [InlineData("{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"1\"}}]}}", Attribute + ".value.kvlistValue.values[0].value.doubleValue: expected a finite JSON number, found string \"1\"")]
    [InlineData("{\"arrayValue\":[]}", Attribute + ".value.arrayValue: expected an object, found an array")]
    [InlineData("{\"stringValue\":null}", Attribute + ".value.stringValue: expected a string, found null")]
    public void RejectsAttributeValue(string value, string expected)
        => AssertRejected(OtlpSamples.OneSpan($$"""
            "attributes":[{"key":"k","value":{{value}}}]
            """), expected);

    [Theory]
    [InlineData("[{\"key\":\"a\",\"value\":{\"boolValue\":true}},{\"key\":\"a\",\"value\":{\"boolValue\":false}}]", Span + ".attributes[1].key: duplicate attribute key \"a\" (first at " + Span + ".attributes[0])")]
    [InlineData("[{\"key\":\"\",\"value\":{\"boolValue\":true}}]", Attribute + ".key: must not be empty")]
    [InlineData("[{\"value\":{\"boolValue\":true}}]", Attribute + ".key: missing")]
    [InlineData("[{\"key\":\"a\"}]", Attribute + ".value: missing")]
    [InlineData("[{\"key\":\"a\",\"value\":{\"boolValue\":true},\"key\":\"b\"}]", Attribute + ".key: duplicate key")]
    [InlineData("{\"a\":1}", Span + ".attributes: expected an array, found an object")]
    public void RejectsAttributeList(string attributes, string expected)
        => AssertRejected(OtlpSamples.OneSpan($"\"attributes\":{attributes}"), expected);

    [Theory]
    [InlineData("5B8EFFF798038103D269B633813FC60C", "expected 32 lowercase hex characters, found string \"5B8EFFF798038103D269B633813FC60C\"")]
    [InlineData("5b8efff798038103d269b633813fc60", "expected 32 lowercase hex characters, found string \"5b8efff798038103d269b633813fc60\"")]
    [InlineData("W47/95gDgQPSabYzgT/GDA==", "expected 32 lowercase hex characters, found string \"W47/95gDgQPSabYzgT/GDA==\" (this looks like base64; OTLP JSON ids are hex)")]
    [InlineData("00000000000000000000000000000000", "must not be all zeros (an invalid id)")]
    public void RejectsTraceId(string traceId, string problem)
        => AssertRejected(OtlpSamples.OneSpan().Replace(OtlpSamples.TraceId, traceId, StringComparison.Ordinal), $"{Span}.traceId: {problem}");

    [Theory]
    [InlineData("0000000000000000", "must not be all zeros (an invalid id)")]
    [InlineData("", "expected 16 lowercase hex characters, found string \"\"")]
    public void RejectsSpanId(string spanId, string problem)
        => AssertRejected(OtlpSamples.OneSpan(spanId: spanId), $"{Span}.spanId: {problem}");

    [Theory]
    [InlineData("\"startTimeUnixNano\"", Span + ".startTimeUnixNano: expected a 64-bit integer as a decimal string (strict decoding refuses JSON numbers), found number 1")]
    [InlineData("\"endTimeUnixNano\"", Span + ".endTimeUnixNano: expected a 64-bit integer as a decimal string (strict decoding refuses JSON numbers), found number 2")]
    public void RejectsTimestampAsNumber(string key, string expected)
        => AssertRejected(OtlpSamples.OneSpan().Replace($"{key}:\"1\"", $"{key}:1", StringComparison.Ordinal)
            .Replace($"{key}:\"2\"", $"{key}:2", StringComparison.Ordinal), expected);

    [Fact]
    public void RejectsNegativeTimestamp()
        => AssertRejected(OtlpSamples.OneSpan().Replace("\"startTimeUnixNano\":\"1\"", "\"startTimeUnixNano\":\"-1\"", StringComparison.Ordinal),
            Span + ".startTimeUnixNano: expected a non-negative 64-bit integer, found string \"-1\"");

    [Fact]
    public void RejectsSpanWithoutName()
        => AssertRejected(OtlpSamples.OneSpan(name: ""), Span + ".name: missing");

    [Fact]
    public void RejectsEventTimeAsNumber()
        => AssertRejected(OtlpSamples.OneSpan("\"events\":[{\"name\":\"e\",\"timeUnixNano\":5}]"),
            Span + ".events[0].timeUnixNano: expected a 64-bit integer as a decimal string (strict decoding refuses JSON numbers), found number 5");

    [Fact]
    public void RejectsLinkWithoutSpanId()
        => AssertRejected(OtlpSamples.OneSpan($$"""
            "links":[{"traceId":"{{OtlpSamples.TraceId}}"}]
            """), Span + ".links[0].spanId: missing");

    [Fact]
    public void RejectsByteOrderMark()
        => AssertRejected([0xEF, 0xBB, 0xBF, .. OtlpSamples.Utf8(OtlpSamples.OneSpan())], "$: body starts with a UTF-8 byte order mark");

    [Fact]
    public void RejectsMisspelledEnvelopeKey()
        => AssertRejected("""{"resource_spans":[]}""", "resource_spans: unknown key (did you mean 'resourceSpans'?)");

    [Fact]
    public void RejectsUnknownScopeKey()
        => AssertRejected("""{"resourceSpans":[{"scopeSpans":[{"scope":{"name":"a","Version":"1"}}]}]}""",
            "resourceSpans[0].scopeSpans[0].scope.Version: unknown key (did you mean 'version'?)");

    [Fact]
    public void NamesOddKeysInBrackets()
        => AssertRejected("""{"resourceSpans":[{"resource":{"my key":1}}]}""",
            "resourceSpans[0].resource[\"my key\"]: unknown key (known keys: attributes, droppedAttributesCount, entityRefs)");

    [Fact]
    public void RejectsMalformedJson()
    {
        var error = Assert.Throws<OtlpDecodeException>(() => OtlpJsonTraceDecoder.Decode("{\"resourceSpans\":[}"u8));

        Assert.Equal("$", error.Path);
        Assert.StartsWith("$: malformed JSON: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsInvalidUtf8InAString()
    {
        var body = OtlpSamples.Utf8(OtlpSamples.OneSpan("\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":\"X\"}}]"));
        body[Array.LastIndexOf(body, (byte)'X')] = 0xFF;

        AssertRejected(body, Attribute + ".value.stringValue: string is not valid UTF-8 (or holds an unpaired surrogate)");
    }

    [Fact]
    public void RejectsNonObjectBody()
        => AssertRejected("[]", "$: expected an object, found an array");

    [Fact]
    public void ExceptionSplitsPathAndProblem()
    {
        var error = Assert.Throws<OtlpDecodeException>(() => OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(OtlpSamples.OneSpan("\"kind\":9"))));

        Assert.Equal(Span + ".kind", error.Path);
        Assert.Equal("expected an integer 0..5 (span kind), found number 9", error.Problem);
    }

    private static void AssertRejected(string body, string expected) => AssertRejected(OtlpSamples.Utf8(body), expected);

    private static void AssertRejected(byte[] body, string expected)
    {
        var error = Assert.Throws<OtlpDecodeException>(() => OtlpJsonTraceDecoder.Decode(body));
        Assert.Equal(expected, error.Message);
    }
}

using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

public class OtlpJsonTraceDecoderTests
{
    [Fact]
    public void ReadsEveryFieldOfAValidEnvelope()
    {
        var decoded = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(OtlpSamples.Full));

        var group = Assert.Single(decoded.ResourceSpans);
        Assert.Equal("https://opentelemetry.io/schemas/1.30.0", group.SchemaUrl);
        Assert.Equal("https://opentelemetry.io/schemas/1.31.0", Assert.Single(group.ScopeSpans).SchemaUrl);
        var span = Assert.Single(decoded.Spans);

        Assert.Equal("router", span.Resource["service.name"].AsString());
        Assert.Equal(1u, span.Resource.DroppedAttributesCount);
        Assert.Equal("OtlpBroadcast", span.ScopeName);
        Assert.Equal("0.1.0", span.ScopeVersion);
        Assert.False(span.Scope.Attributes["scope.attr"].AsBool());
        Assert.Equal(2u, span.Scope.DroppedAttributesCount);

        Assert.Equal(OtlpSamples.TraceId, span.TraceId);
        Assert.Equal(OtlpSamples.ChildSpanId, span.SpanId);
        Assert.Equal(OtlpSamples.RootSpanId, span.ParentSpanId);
        Assert.Equal("vendor=1", span.TraceState);
        Assert.Equal(257u, span.Flags);
        Assert.Equal("chat gpt-4o", span.Name);
        Assert.Equal(3, span.Kind);
        Assert.Equal(1_700_000_000_000_000_000L, span.StartTimeUnixNano);
        Assert.Equal(1_700_000_001_500_000_000L, span.EndTimeUnixNano);
        Assert.Equal(1_500_000_000L, span.DurationNanoseconds);
        Assert.Equal(3u, span.DroppedAttributesCount);
        Assert.Equal(5u, span.DroppedEventsCount);
        Assert.Equal(7u, span.DroppedLinksCount);
        Assert.Equal(2, span.StatusCode);
        Assert.Equal("upstream timeout", span.StatusMessage);

        Assert.Equal(["s", "b", "i", "d", "bytes", "a", "kv", "emptyArray"], span.Attributes.Keys);
        Assert.Equal("text \"quoted\"", span["s"].AsString());
        Assert.True(span.GetAttribute("b").AsBool());
        Assert.Equal(long.MinValue, span["i"].AsInt());
        Assert.Equal(0.25, span["d"].AsDouble());
        Assert.Equal(new byte[] { 1, 2, 3, 255 }, span["bytes"].AsBytes().ToArray());
        var array = span["a"].AsArray();
        Assert.Equal("stop", array[0].AsString());
        Assert.Equal(7, array[1].AsInt());
        Assert.Equal(1.0, span["kv"].AsKeyValueList()["inner"].AsDouble());
        Assert.Empty(span["emptyArray"].AsArray());
        Assert.True(span.TryGetAttribute("d", out var d) && d.Kind == ReceivedValueKind.Double);
        Assert.False(span.TryGetAttribute("missing", out _));

        var spanEvent = Assert.Single(span.Events);
        Assert.Equal("first token", spanEvent.Name);
        Assert.Equal(1_700_000_000_500_000_000L, spanEvent.TimeUnixNano);
        Assert.Equal(1, spanEvent["e"].AsInt());
        Assert.Equal(4u, spanEvent.DroppedAttributesCount);

        var link = Assert.Single(span.Links);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", link.TraceId);
        Assert.Equal("b7ad6b7169203331", link.SpanId);
        Assert.Equal("other=2", link.TraceState);
        Assert.Equal(1u, link.Flags);
        Assert.Equal("x", link["l"].AsString());
        Assert.Equal(6u, link.DroppedAttributesCount);
    }

    [Fact]
    public void RendersValuesSoThatTheirKindStaysVisible()
    {
        var span = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(OtlpSamples.Full)).Spans[0];

        Assert.Equal("\"text \\\"quoted\\\"\"", span["s"].ToString());
        Assert.Equal("true", span["b"].ToString());
        Assert.Equal("-9223372036854775808", span["i"].ToString());
        Assert.Equal("0.25", span["d"].ToString());
        Assert.Equal("base64:AQID/w==", span["bytes"].ToString());
        Assert.Equal("[\"stop\", 7]", span["a"].ToString());
        Assert.Equal("{inner = 1.0}", span["kv"].ToString());
    }

    [Fact]
    public void AccessorOfTheWrongKindNamesBothKinds()
    {
        var span = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(OtlpSamples.Full)).Spans[0];

        var error = Assert.Throws<InvalidOperationException>(() => span["i"].AsString());
        Assert.Equal("The value is Int (-9223372036854775808), not String.", error.Message);
    }

    [Fact]
    public void MissingAttributeListsThePresentKeys()
    {
        var span = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(OtlpSamples.OneSpan(
            "\"attributes\":[{\"key\":\"a\",\"value\":{\"intValue\":\"1\"}}]"))).Spans[0];

        var error = Assert.Throws<KeyNotFoundException>(() => span["b"]);
        Assert.Equal("No attribute 'b'. Present: a.", error.Message);
    }

    [Theory]
    [InlineData("\"parentSpanId\":\"\"")]
    [InlineData("\"kind\":1")]
    public void RootSpanHasNoParent(string fields)
    {
        var span = OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(OtlpSamples.OneSpan(fields))).Spans[0];

        Assert.Null(span.ParentSpanId);
        Assert.Null(span.TraceState);
        Assert.Null(span.StatusMessage);
    }

    [Fact]
    public void EmptyEnvelopeHasNoSpans()
        => Assert.Empty(OtlpJsonTraceDecoder.Decode("{}"u8).Spans);

    [Fact]
    public void ResourceMayFollowScopeSpans()
    {
        const string body = """
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
            "spanId":"eee19b7ec3c1b174","name":"n","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}],
            "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late"}}]}}]}
            """;

        Assert.Equal("late", OtlpJsonTraceDecoder.Decode(OtlpSamples.Utf8(body)).Spans[0].Resource["service.name"].AsString());
    }
}

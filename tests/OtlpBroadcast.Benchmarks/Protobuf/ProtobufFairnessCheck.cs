using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Fails fast when the protobuf contenders would not carry the same spans, so no comparison is made on unequal work.
/// The bytes are read back with the Testing package's own decoders (written independently of the SDK's encoders):
/// <list type="bullet">
/// <item>the SDK's protobuf request must decode, strictly, to exactly the spans of its JSON request (ids, names,
/// kinds, times, flags, status, every attribute with its type and value, in order), and the JSON request is
/// byte-identical to every JSON contender's (<see cref="FairnessCheck"/>);</item>
/// <item>OpenTelemetry .NET's protobuf request, as its exporter posts it, must carry spans of the same names, kinds
/// and status with the same attributes (ids and times are its own).</item>
/// </list>
/// </summary>
internal static class ProtobufFairnessCheck
{
    public static void AssertSameSpans(SpanTreeFixture f)
    {
        FairnessCheck.AssertSameBytes(f);
        var resource = new OtlpResource("benchmark");
        IReadOnlyList<ReceivedSpan> json = OtlpJsonTraceDecoder.Decode(SdkBody(f, new OtlpJsonEnvelope(resource), SpanEncoding.Json)).Spans;
        IReadOnlyList<ReceivedSpan> protobuf = OtlpProtobufTraceDecoder.Decode(SdkBody(f, new OtlpProtobufEnvelope(resource), SpanEncoding.Protobuf)).Spans;
        Compare("the SDK's protobuf", "its JSON", json, protobuf, Describe, f);

        IReadOnlyList<ReceivedSpan> openTelemetry = OtlpProtobufTraceDecoder.Decode(OpenTelemetryBody(f)).Spans;

        // OpenTelemetry .NET ends (and exports) the attempt first and the root last.
        Compare("OpenTelemetry .NET's protobuf", "the SDK's", protobuf, [.. openTelemetry.Reverse()], DescribeContent, f);
    }

    /// <summary>The SDK's whole request body for the tree (what <see cref="ProtobufBenchmarks"/> encodes).</summary>
    public static byte[] SdkBody(SpanTreeFixture f, ISpanEnvelope envelope, SpanEncoding encoding)
    {
        var fragments = new SpanFragment[3];
        SdkSpanTreeEncoder.Encode(f, SdkSpanTreeInputs.For(f), fragments, encoding);
        try
        {
            var body = new ArrayBufferWriter<byte>();
            envelope.Write(body, fragments);
            return body.WrittenSpan.ToArray();
        }
        finally
        {
            foreach (SpanFragment fragment in fragments)
            {
                fragment.Release();
            }
        }
    }

    private static byte[] OpenTelemetryBody(SpanTreeFixture f)
    {
        var handler = new CapturingHandler();
        using (var openTelemetry = new OpenTelemetrySpanTree(handler))
        {
            openTelemetry.Record(f);
        }

        return handler.Body ?? throw new InvalidOperationException("OpenTelemetry .NET posted nothing.");
    }

    private static void Compare(string contender, string reference, IReadOnlyList<ReceivedSpan> expected, IReadOnlyList<ReceivedSpan> actual, Func<ReceivedSpan, string> describe, SpanTreeFixture f)
    {
        string expectedText = string.Join("\n", expected.Select(describe));
        string actualText = string.Join("\n", actual.Select(describe));
        if (expectedText != actualText)
        {
            throw new InvalidOperationException(
                $"The {contender} spans differ from {reference} ({f.Content}):\n--- {reference}\n{expectedText}\n--- {contender}\n{actualText}");
        }
    }

    /// <summary>Everything a span carries, with its resource and scope; attributes in order.</summary>
    private static string Describe(ReceivedSpan span)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{span.Name} kind={span.Kind} status={span.StatusCode} {span.StatusMessage} trace={span.TraceId} span={span.SpanId} " +
            $"parent={span.ParentSpanId} state={span.TraceState} flags={span.Flags} start={span.StartTimeUnixNano} end={span.EndTimeUnixNano} " +
            $"dropped={span.DroppedAttributesCount} events={span.Events.Count} links={span.Links.Count} scope={span.ScopeName} {span.ScopeVersion}");
        AppendAttributes(text, "resource ", span.Resource.Attributes);
        AppendAttributes(text, "", span.Attributes);
        return text.ToString();
    }

    /// <summary>Name, kind, status and the attributes in key order (the two SDKs set them in different orders).</summary>
    private static string DescribeContent(ReceivedSpan span)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{span.Name} kind={span.Kind} status={span.StatusCode} {span.StatusMessage}");
        AppendAttributes(text, "", span.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal));
        return text.ToString();
    }

    private static void AppendAttributes(StringBuilder text, string prefix, IEnumerable<ReceivedAttribute> attributes)
    {
        foreach (ReceivedAttribute attribute in attributes)
        {
            text.Append("\n  ").Append(prefix).Append(attribute);
        }
    }

    /// <summary>Keeps the last request body and answers 200.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        public byte[]? Body { get; private set; }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Body = request.Content?.ReadAsByteArrayAsync(cancellationToken).GetAwaiter().GetResult();
            return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ByteArrayContent([]) };
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(Send(request, cancellationToken));
    }
}

using System.Buffers;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Generators.FunctionalTests;

/// <summary>
/// The generated writers are generic over the sink, so the same generated code feeds the protobuf encoding: no
/// generated line changes for a second wire format. Both encodings decode (independently) to the same attributes.
/// </summary>
public class ProtobufEncodingTests
{
    private static readonly OtlpResource Resource = new("functional-tests");

    private static IReadOnlyList<string> Decode<T>(T value, bool includeContent, SpanEncoding encoding) where T : IOtlpAttributes
    {
        var header = new SpanHeader
        {
            TraceId = TraceId.CreateRandom(),
            SpanId = SpanId.CreateRandom(),
            Name = "chat gpt-4o",
            StartTimeUnixNano = 1,
            EndTimeUnixNano = 2,
        };
        var source = new OtlpAttributesSource<T>(value, includeContent);
        SpanFragment fragment = encoding == SpanEncoding.Protobuf
            ? OtlpProtobufSpanEncoder.Encode(header, ref source, contentWithheld: !includeContent)
            : OtlpJsonSpanEncoder.Encode(header, ref source, contentWithheld: !includeContent);
        try
        {
            var body = new ArrayBufferWriter<byte>();
            if (encoding == SpanEncoding.Protobuf)
            {
                new OtlpProtobufEnvelope(Resource).Write(body, [fragment]);
                Assert.Equal(SpanEncoding.Protobuf, fragment.Encoding);
                return [.. Assert.Single(OtlpProtobufTraceDecoder.Decode(body.WrittenSpan).Spans).Attributes.Select(a => a.ToString())];
            }

            new OtlpJsonEnvelope(Resource).Write(body, [fragment]);
            return [.. Assert.Single(OtlpJsonTraceDecoder.Decode(body.WrittenSpan).Spans).Attributes.Select(a => a.ToString())];
        }
        finally
        {
            fragment.Release();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheGeneratedRequestWriterGivesTheSameAttributesInBothEncodings(bool includeContent)
    {
        IReadOnlyList<string> json = Decode(Samples.Request(), includeContent, SpanEncoding.Json);
        IReadOnlyList<string> protobuf = Decode(Samples.Request(), includeContent, SpanEncoding.Protobuf);

        Assert.Equal(json, protobuf);
        Assert.Contains("gen_ai.request.model = \"gpt-4o\"", protobuf);
        Assert.Equal(includeContent, protobuf.Any(a => a.StartsWith("gen_ai.input.messages", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheGeneratedResponseWriterGivesTheSameAttributesInBothEncodings()
    {
        IReadOnlyList<string> json = Decode(Samples.Response(), includeContent: true, SpanEncoding.Json);
        IReadOnlyList<string> protobuf = Decode(Samples.Response(), includeContent: true, SpanEncoding.Protobuf);

        Assert.Equal(json, protobuf);
        Assert.NotEmpty(protobuf);
    }
}

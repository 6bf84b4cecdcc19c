using System.Buffers;

namespace OtlpBroadcast;

/// <summary>
/// What the exporter needs of an envelope, whatever the encoding: the size a batch would have, and its bytes. The
/// exporter adds up <see cref="SpanCost"/> per fragment as it fills a batch and asks <see cref="MeasureBody"/> for
/// the exact body size, so batching by bytes is the same code for JSON and protobuf.
/// </summary>
internal interface ISpanEnvelope
{
    /// <summary>The encoding of the fragments this envelope takes.</summary>
    SpanEncoding Encoding { get; }

    /// <summary>The bytes one fragment of <paramref name="fragmentLength"/> bytes adds to a body (its framing
    /// included).</summary>
    long SpanCost(int fragmentLength);

    /// <summary>The exact body size for <paramref name="spanCount"/> fragments whose <see cref="SpanCost"/>s add up to
    /// <paramref name="spanCost"/>.</summary>
    int MeasureBody(int spanCount, long spanCost);

    /// <summary>Writes the whole request body.</summary>
    void Write(IBufferWriter<byte> output, IReadOnlyList<SpanFragment> fragments);
}

/// <summary>Envelopes and media types by encoding.</summary>
internal static class SpanEnvelopes
{
    public const string JsonMediaType = "application/json";
    public const string ProtobufMediaType = "application/x-protobuf";

    public static ISpanEnvelope Create(SpanEncoding encoding, OtlpResource resource) => encoding switch
    {
        SpanEncoding.Protobuf => new OtlpProtobufEnvelope(resource),
        _ => new OtlpJsonEnvelope(resource),
    };

    public static SpanFragment Encode(SpanEncoding encoding, OtlpSpan span, bool includeContent) => encoding switch
    {
        SpanEncoding.Protobuf => OtlpProtobufSpanEncoder.Encode(span, includeContent),
        _ => OtlpJsonSpanEncoder.Encode(span, includeContent),
    };

    /// <summary>Encodes a span whose attributes come from generated writers, in <paramref name="encoding"/>.</summary>
    public static SpanFragment Encode<TAttributes>(SpanEncoding encoding, in SpanHeader header, ref TAttributes attributes, bool contentWithheld)
        where TAttributes : struct, IAttributeSource
        => encoding == SpanEncoding.Protobuf
            ? OtlpProtobufSpanEncoder.Encode(in header, ref attributes, contentWithheld)
            : OtlpJsonSpanEncoder.Encode(in header, ref attributes, contentWithheld);

    public static string MediaType(SpanEncoding encoding)
        => encoding == SpanEncoding.Protobuf ? ProtobufMediaType : JsonMediaType;
}

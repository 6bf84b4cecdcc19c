
namespace OtlpBroadcast;

/// <summary>
/// Encodes spans into <see cref="SpanFragment"/>s of OTLP protobuf: each fragment holds one <c>Span</c> message
/// (without tag or length; <see cref="OtlpProtobufEnvelope"/> frames it). Reuses one buffer per thread, so a
/// warmed-up encoding allocates nothing.
/// </summary>
public static class OtlpProtobufSpanEncoder
{
    [ThreadStatic]
    private static ProtobufBuffer? t_buffer;

    /// <summary>Encodes a span model.</summary>
    /// <param name="span">The span.</param>
    /// <param name="includeContent">False for destinations in privacy mode: attributes marked as content are left
    /// out, a status message marked as content (<see cref="OtlpSpan.StatusMessageIsContent"/>) too, and the fragment
    /// is marked <see cref="SpanFragment.ContentWithheld"/>.</param>
    public static SpanFragment Encode(OtlpSpan span, bool includeContent = true)
    {
        ArgumentNullException.ThrowIfNull(span);
        var attributes = new SpanAttributeList(span.Attributes, includeContent);
        return Encode(SpanHeader.From(span), ref attributes, contentWithheld: !includeContent, span.Events, span.Links);
    }

    /// <summary>Encodes a span whose attributes come from <paramref name="attributes"/>.</summary>
    /// <param name="header">Ids, name, kind, times and status.</param>
    /// <param name="attributes">The attribute writer (typically generated code).</param>
    /// <param name="contentWithheld">Recorded on the fragment: whether sensitive content was left out. When true, the
    /// attributes of <paramref name="events"/> and <paramref name="links"/> marked as content are left out too, and the
    /// header's status message when it is marked as content (<see cref="SpanHeader.StatusMessageIsContent"/>).</param>
    /// <param name="events">Optional events.</param>
    /// <param name="links">Optional links.</param>
    public static SpanFragment Encode<TAttributes>(
        in SpanHeader header,
        ref TAttributes attributes,
        bool contentWithheld,
        IReadOnlyList<SpanEvent>? events = null,
        IReadOnlyList<SpanLink>? links = null)
        where TAttributes : struct, IAttributeSource
    {
        ProtobufBuffer buffer = t_buffer ??= new ProtobufBuffer();
        buffer.Clear();
        try
        {
            OtlpProtobufSpanWriter.Write(buffer, in header, ref attributes, events, links, includeContent: !contentWithheld);
            return SpanFragment.CopyOf(buffer.WrittenSpan, SpanEncoding.Protobuf, contentWithheld);
        }
        finally
        {
            // A half-written span must not leak into the next encoding on this thread.
            buffer.Clear();
        }
    }
}

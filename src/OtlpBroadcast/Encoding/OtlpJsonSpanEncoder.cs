using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>
/// Encodes spans into <see cref="SpanFragment"/>s of OTLP/JSON. Reuses one writer and buffer per thread, so a
/// warmed-up encoding allocates nothing.
/// </summary>
public static class OtlpJsonSpanEncoder
{
    [ThreadStatic]
    private static EncoderState? t_state;

    /// <summary>Encodes a span model.</summary>
    /// <param name="span">The span.</param>
    /// <param name="includeContent">False for destinations in privacy mode: attributes marked as content are left
    /// out and the fragment is marked <see cref="SpanFragment.ContentWithheld"/>.</param>
    public static SpanFragment Encode(OtlpSpan span, bool includeContent = true)
    {
        ArgumentNullException.ThrowIfNull(span);
        var attributes = new SpanAttributeList(span.Attributes, includeContent);
        return Encode(SpanHeader.From(span), ref attributes, contentWithheld: !includeContent, span.Events, span.Links);
    }

    /// <summary>Encodes a span whose attributes come from <paramref name="attributes"/>.</summary>
    /// <param name="header">Ids, name, kind, times and status.</param>
    /// <param name="attributes">The attribute writer (typically generated code).</param>
    /// <param name="contentWithheld">Recorded on the fragment: whether sensitive content was left out.</param>
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
        EncoderState state = t_state ??= new EncoderState();
        state.Buffer.Clear();
        state.Writer.Reset(state.Buffer);
        try
        {
            OtlpJsonSpanWriter.Write(state.Writer, in header, ref attributes, events, links);
            state.Writer.Flush();
        }
        catch
        {
            // A half-written span must not leak into the next encoding on this thread.
            state.Writer.Reset(state.Buffer);
            state.Buffer.Clear();
            throw;
        }

        return SpanFragment.CopyOf(state.Buffer.WrittenSpan, SpanEncoding.Json, contentWithheld);
    }

    private sealed class EncoderState
    {
        public readonly PooledBufferWriter Buffer = new();
        public readonly Utf8JsonWriter Writer;

        public EncoderState() => Writer = new Utf8JsonWriter(Buffer, OtlpJsonNames.WriterOptions);
    }
}

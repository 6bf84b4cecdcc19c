using System.Globalization;
using System.Text.Json;
using N = OtlpBroadcast.OtlpJsonNames;

namespace OtlpBroadcast;

/// <summary>
/// Writes one OTLP/JSON <c>Span</c> object: lowercase hex ids, integer enums, 64-bit times as decimal strings,
/// 32-bit counters as numbers, optional fields omitted when empty.
/// </summary>
public static class OtlpJsonSpanWriter
{
    /// <summary>Writes a span model.</summary>
    /// <param name="writer">Where the span object goes.</param>
    /// <param name="span">The span.</param>
    /// <param name="includeContent">False for a destination in privacy mode: attributes marked as content are left
    /// out (the span's, its events' and its links'), and so is a status message marked as content
    /// (<see cref="OtlpSpan.StatusMessageIsContent"/>), as <see cref="OtlpJsonSpanEncoder.Encode(OtlpSpan, bool)"/>
    /// leaves them out.</param>
    public static void Write(Utf8JsonWriter writer, OtlpSpan span, bool includeContent = true)
    {
        ArgumentNullException.ThrowIfNull(span);
        var attributes = new SpanAttributeList(span.Attributes, includeContent);
        Write(writer, SpanHeader.From(span), ref attributes, span.Events, span.Links, includeContent);
    }

    /// <summary>Writes a span whose attributes come from <paramref name="attributes"/> (typically generated code).</summary>
    public static void Write<TAttributes>(
        Utf8JsonWriter writer,
        in SpanHeader header,
        ref TAttributes attributes,
        IReadOnlyList<SpanEvent>? events = null,
        IReadOnlyList<SpanLink>? links = null)
        where TAttributes : struct, IAttributeSource
        => Write(writer, header, ref attributes, events, links, includeContent: true);

    private static void Write<TAttributes>(
        Utf8JsonWriter writer,
        in SpanHeader header,
        ref TAttributes attributes,
        IReadOnlyList<SpanEvent>? events,
        IReadOnlyList<SpanLink>? links,
        bool includeContent)
        where TAttributes : struct, IAttributeSource
    {
        ArgumentNullException.ThrowIfNull(writer);
        SpanChecks.RequireIds(header);

        writer.WriteStartObject();
        WriteId(writer, N.TraceId, header.TraceId);
        WriteId(writer, N.SpanId, header.SpanId);
        if (!string.IsNullOrEmpty(header.TraceState))
        {
            writer.WriteString(N.TraceState, header.TraceState);
        }

        if (header.ParentSpanId.IsValid)
        {
            WriteId(writer, N.ParentSpanId, header.ParentSpanId);
        }

        writer.WriteNumber(N.Flags, header.Flags | SpanFlags.Sampled);
        writer.WriteString(N.Name, header.Name);
        writer.WriteNumber(N.Kind, (int)header.Kind);
        WriteNanos(writer, N.StartTimeUnixNano, header.StartTimeUnixNano);
        WriteNanos(writer, N.EndTimeUnixNano, header.EndTimeUnixNano);

        writer.WriteStartArray(N.Attributes);
        var sink = new OtlpJsonAttributeSink(writer);
        attributes.WriteTo(ref sink);
        writer.WriteEndArray();
        if (header.DroppedAttributesCount != 0)
        {
            writer.WriteNumber(N.DroppedAttributesCount, header.DroppedAttributesCount);
        }

        if (events is { Count: > 0 })
        {
            WriteEvents(writer, events, includeContent);
        }

        if (links is { Count: > 0 })
        {
            WriteLinks(writer, links, includeContent);
        }

        SpanStatus status = header.StatusFor(includeContent);
        writer.WriteStartObject(N.Status);
        if (status.Code != SpanStatusCode.Unset)
        {
            writer.WriteNumber(N.Code, (int)status.Code);
        }

        if (!string.IsNullOrEmpty(status.Message))
        {
            writer.WriteString(N.Message, status.Message);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes an id as lowercase hex.</summary>
    internal static void WriteId<TId>(Utf8JsonWriter writer, JsonEncodedText name, TId id) where TId : IUtf8SpanFormattable
    {
        Span<byte> hex = stackalloc byte[TraceId.HexLength];
        id.TryFormat(hex, out int length, default, null);
        writer.WriteString(name, hex[..length]);
    }

    private static void WriteNanos(Utf8JsonWriter writer, JsonEncodedText name, long nanos)
    {
        Span<byte> digits = stackalloc byte[20];
        nanos.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        writer.WriteString(name, digits[..length]);
    }

    private static void WriteEvents(Utf8JsonWriter writer, IReadOnlyList<SpanEvent> events, bool includeContent)
    {
        writer.WriteStartArray(N.Events);

        // Indexing, not foreach: foreach over an IReadOnlyList boxes the list's enumerator (40 bytes per span).
        for (int i = 0; i < events.Count; i++)
        {
            SpanEvent spanEvent = events[i];
            writer.WriteStartObject();
            WriteNanos(writer, N.TimeUnixNano, spanEvent.TimeUnixNano);
            writer.WriteString(N.Name, spanEvent.Name);
            WriteAttributeArray(writer, spanEvent.Attributes, includeContent);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteLinks(Utf8JsonWriter writer, IReadOnlyList<SpanLink> links, bool includeContent)
    {
        writer.WriteStartArray(N.Links);
        for (int i = 0; i < links.Count; i++)
        {
            SpanLink link = links[i];
            writer.WriteStartObject();
            WriteId(writer, N.TraceId, link.TraceId);
            WriteId(writer, N.SpanId, link.SpanId);
            if (!string.IsNullOrEmpty(link.TraceState))
            {
                writer.WriteString(N.TraceState, link.TraceState);
            }

            WriteAttributeArray(writer, link.Attributes, includeContent);
            writer.WriteNumber(N.Flags, link.Flags);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes <c>"attributes":[...]</c> from a list.</summary>
    internal static void WriteAttributeArray(Utf8JsonWriter writer, List<SpanAttribute> attributes, bool includeContent = true)
    {
        writer.WriteStartArray(N.Attributes);
        var sink = new OtlpJsonAttributeSink(writer);
        new SpanAttributeList(attributes, includeContent).WriteTo(ref sink);
        writer.WriteEndArray();
    }
}

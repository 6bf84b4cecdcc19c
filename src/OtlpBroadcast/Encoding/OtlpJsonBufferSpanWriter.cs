namespace OtlpBroadcast;

/// <summary>
/// Writes one OTLP/JSON <c>Span</c> object straight into a <see cref="JsonBuffer"/>: the encoder's fast path. The
/// bytes are exactly those of the general path, <see cref="OtlpJsonSpanWriter"/> over a
/// <see cref="System.Text.Json.Utf8JsonWriter"/> (the tests compare the two on random spans): the same fields in the
/// same order, ids in lowercase hex, 64-bit times as decimal strings, enums and counters as numbers, optional fields
/// left out when empty.
/// </summary>
internal static class OtlpJsonBufferSpanWriter
{
    /// <summary>Writes the span; <paramref name="includeContent"/> false leaves out the attributes of events and links
    /// marked as content and a status message marked as content (<see cref="SpanHeader.StatusMessageIsContent"/>; the
    /// span's own attributes are <paramref name="attributes"/>' to leave out).</summary>
    public static void Write<TAttributes>(
        JsonBuffer json,
        in SpanHeader header,
        ref TAttributes attributes,
        IReadOnlyList<SpanEvent>? events,
        IReadOnlyList<SpanLink>? links,
        bool includeContent = true)
        where TAttributes : struct, IAttributeSource
    {
        SpanChecks.RequireIds(header);

        json.Write("{\"traceId\":\""u8);
        json.WriteHex(header.TraceId);
        json.Write("\",\"spanId\":\""u8);
        json.WriteHex(header.SpanId);
        json.WriteByte((byte)'"');
        if (!string.IsNullOrEmpty(header.TraceState))
        {
            json.Write(",\"traceState\":"u8);
            json.WriteString(header.TraceState);
        }

        if (header.ParentSpanId.IsValid)
        {
            json.Write(",\"parentSpanId\":\""u8);
            json.WriteHex(header.ParentSpanId);
            json.WriteByte((byte)'"');
        }

        json.Write(",\"flags\":"u8);
        json.WriteInt64(header.Flags | SpanFlags.Sampled);
        json.Write(",\"name\":"u8);
        json.WriteString(header.Name);
        json.Write(",\"kind\":"u8);
        json.WriteInt64((int)header.Kind);
        json.Write(",\"startTimeUnixNano\":\""u8);
        json.WriteUnixNanos(header.StartTimeUnixNano);
        json.Write("\",\"endTimeUnixNano\":\""u8);
        json.WriteUnixNanos(header.EndTimeUnixNano);
        json.Write("\",\"attributes\":["u8);
        var sink = new OtlpJsonBufferSink(json);
        attributes.WriteTo(ref sink);
        json.WriteByte((byte)']');
        if (header.DroppedAttributesCount != 0)
        {
            json.Write(",\"droppedAttributesCount\":"u8);
            json.WriteInt64(header.DroppedAttributesCount);
        }

        if (events is { Count: > 0 })
        {
            WriteEvents(json, events, includeContent);
        }

        if (links is { Count: > 0 })
        {
            WriteLinks(json, links, includeContent);
        }

        WriteStatus(json, header.StatusFor(includeContent));
        json.WriteByte((byte)'}');
    }

    private static void WriteStatus(JsonBuffer json, SpanStatus status)
    {
        json.Write(",\"status\":{"u8);
        bool hasCode = status.Code != SpanStatusCode.Unset;
        if (hasCode)
        {
            json.Write("\"code\":"u8);
            json.WriteInt64((int)status.Code);
        }

        if (!string.IsNullOrEmpty(status.Message))
        {
            json.Write(hasCode ? ",\"message\":"u8 : "\"message\":"u8);
            json.WriteString(status.Message);
        }

        json.WriteByte((byte)'}');
    }

    private static void WriteEvents(JsonBuffer json, IReadOnlyList<SpanEvent> events, bool includeContent)
    {
        json.Write(",\"events\":["u8);

        // Indexing, not foreach: foreach over an IReadOnlyList boxes the list's enumerator.
        for (int i = 0; i < events.Count; i++)
        {
            SpanEvent spanEvent = events[i];
            json.WriteElementSeparator();
            json.Write("{\"timeUnixNano\":\""u8);
            json.WriteInt64(spanEvent.TimeUnixNano);
            json.Write("\",\"name\":"u8);
            json.WriteString(spanEvent.Name);
            WriteAttributeArray(json, spanEvent.Attributes, includeContent);
            json.WriteByte((byte)'}');
        }

        json.WriteByte((byte)']');
    }

    private static void WriteLinks(JsonBuffer json, IReadOnlyList<SpanLink> links, bool includeContent)
    {
        json.Write(",\"links\":["u8);
        for (int i = 0; i < links.Count; i++)
        {
            SpanLink link = links[i];
            json.WriteElementSeparator();
            json.Write("{\"traceId\":\""u8);
            json.WriteHex(link.TraceId);
            json.Write("\",\"spanId\":\""u8);
            json.WriteHex(link.SpanId);
            json.WriteByte((byte)'"');
            if (!string.IsNullOrEmpty(link.TraceState))
            {
                json.Write(",\"traceState\":"u8);
                json.WriteString(link.TraceState);
            }

            WriteAttributeArray(json, link.Attributes, includeContent);
            json.Write(",\"flags\":"u8);
            json.WriteInt64(link.Flags);
            json.WriteByte((byte)'}');
        }

        json.WriteByte((byte)']');
    }

    /// <summary><c>,"attributes":[...]</c> from a list, without those marked as content unless
    /// <paramref name="includeContent"/>.</summary>
    private static void WriteAttributeArray(JsonBuffer json, List<SpanAttribute> attributes, bool includeContent)
    {
        json.Write(",\"attributes\":["u8);
        var sink = new OtlpJsonBufferSink(json);
        new SpanAttributeList(attributes, includeContent).WriteTo(ref sink);
        json.WriteByte((byte)']');
    }
}

using System.Buffers;
using F = OtlpBroadcast.OtlpProtobufFields;

namespace OtlpBroadcast;

/// <summary>
/// Writes one OTLP protobuf <c>Span</c> message (its fields, without an enclosing tag or length): ids as raw bytes,
/// times as <c>fixed64</c>, <c>flags</c> as <c>fixed32</c>, fields in field-number order, zero scalars omitted as in
/// proto3. Attributes come from the same <see cref="IAttributeSource"/> writers as the JSON encoding.
/// </summary>
public static class OtlpProtobufSpanWriter
{
    // Status is span field 15 (length-delimited); its code is field 3 (varint), SpanStatusCode's values 0 to 2.
    private const byte StatusTag = (F.SpanStatus << 3) | (int)WireType.LengthDelimited;
    private const byte StatusCodeTag = (F.StatusCode << 3) | (int)WireType.Varint;

    [ThreadStatic]
    private static ProtobufBuffer? t_scratch;

    /// <summary>Writes a span model to <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="span">The span.</param>
    /// <param name="includeContent">False to leave out attributes marked as content.</param>
    public static void Write(IBufferWriter<byte> output, OtlpSpan span, bool includeContent = true)
    {
        ArgumentNullException.ThrowIfNull(output);

        // The encoder's fragment: the events' and links' content is left out with the span's own.
        SpanFragment fragment = OtlpProtobufSpanEncoder.Encode(span, includeContent);
        try
        {
            output.Write(fragment.Bytes);
        }
        finally
        {
            fragment.Release();
        }
    }

    /// <summary>Writes a span whose attributes come from <paramref name="attributes"/> (typically generated code).</summary>
    public static void Write<TAttributes>(
        IBufferWriter<byte> output,
        in SpanHeader header,
        ref TAttributes attributes,
        IReadOnlyList<SpanEvent>? events = null,
        IReadOnlyList<SpanLink>? links = null)
        where TAttributes : struct, IAttributeSource
    {
        ArgumentNullException.ThrowIfNull(output);
        ProtobufBuffer buffer = t_scratch ??= new ProtobufBuffer();
        buffer.Clear();
        try
        {
            Write(buffer, in header, ref attributes, events, links, includeContent: true);
            output.Write(buffer.WrittenSpan);
        }
        finally
        {
            buffer.Clear();
        }
    }

    /// <summary>Writes the span; <paramref name="includeContent"/> false leaves out the attributes of events and links
    /// marked as content and a status message marked as content (<see cref="SpanHeader.StatusMessageIsContent"/>; the
    /// span's own attributes are <paramref name="attributes"/>' to leave out).</summary>
    internal static void Write<TAttributes>(
        ProtobufBuffer buffer,
        in SpanHeader header,
        ref TAttributes attributes,
        IReadOnlyList<SpanEvent>? events,
        IReadOnlyList<SpanLink>? links,
        bool includeContent)
        where TAttributes : struct, IAttributeSource
    {
        SpanChecks.RequireIds(header);

        WriteTraceId(buffer, F.SpanTraceId, header.TraceId);
        WriteSpanId(buffer, F.SpanSpanId, header.SpanId);
        if (!string.IsNullOrEmpty(header.TraceState))
        {
            buffer.WriteStringField(F.SpanTraceState, header.TraceState);
        }

        if (header.ParentSpanId.IsValid)
        {
            WriteSpanId(buffer, F.SpanParentSpanId, header.ParentSpanId);
        }

        buffer.WriteStringField(F.SpanName, header.Name);
        if (header.Kind != SpanKind.Unspecified)
        {
            buffer.WriteVarintField(F.SpanKind, (ulong)(int)header.Kind);
        }

        WriteNanos(buffer, F.SpanStartTime, header.StartTimeUnixNano);
        WriteNanos(buffer, F.SpanEndTime, header.EndTimeUnixNano);

        var sink = new OtlpProtobufAttributeSink(buffer, F.SpanAttributes);
        attributes.WriteTo(ref sink);
        if (buffer.Depth != 0)
        {
            throw new InvalidOperationException("An attribute writer left an array or key-value list open.");
        }

        if (header.DroppedAttributesCount != 0)
        {
            buffer.WriteVarintField(F.SpanDroppedAttributesCount, header.DroppedAttributesCount);
        }

        if (events is { Count: > 0 })
        {
            // Indexing, not foreach: foreach over an IReadOnlyList boxes the enumerator.
            for (int i = 0; i < events.Count; i++)
            {
                WriteEvent(buffer, events[i], includeContent);
            }
        }

        if (links is { Count: > 0 })
        {
            for (int i = 0; i < links.Count; i++)
            {
                WriteLink(buffer, links[i], includeContent);
            }
        }

        WriteStatus(buffer, header.StatusFor(includeContent));
        buffer.WriteFixed32Field(F.SpanFlags, header.Flags | SpanFlags.Sampled);
    }

    /// <summary>Writes a repeated <c>KeyValue</c> field from a list; <paramref name="includeContent"/> false leaves out
    /// the attributes marked as content.</summary>
    internal static void WriteAttributes(ProtobufBuffer buffer, int field, IReadOnlyList<SpanAttribute> attributes, bool includeContent = true)
    {
        var sink = new OtlpProtobufAttributeSink(buffer, field);
        for (int i = 0; i < attributes.Count; i++)
        {
            SpanAttribute attribute = attributes[i];
            if (includeContent || !attribute.IsContent)
            {
                AttributeKeys.Write(ref sink, attribute.Key, attribute.Value);
            }
        }
    }

    private static void WriteEvent(ProtobufBuffer buffer, SpanEvent spanEvent, bool includeContent)
    {
        buffer.BeginMessage(F.SpanEvents);
        WriteNanos(buffer, F.EventTime, spanEvent.TimeUnixNano);
        buffer.WriteStringField(F.EventName, spanEvent.Name);
        WriteAttributes(buffer, F.EventAttributes, spanEvent.Attributes, includeContent);
        buffer.EndMessage();
    }

    private static void WriteLink(ProtobufBuffer buffer, SpanLink link, bool includeContent)
    {
        buffer.BeginMessage(F.SpanLinks);
        WriteTraceId(buffer, F.LinkTraceId, link.TraceId);
        WriteSpanId(buffer, F.LinkSpanId, link.SpanId);
        if (!string.IsNullOrEmpty(link.TraceState))
        {
            buffer.WriteStringField(F.LinkTraceState, link.TraceState);
        }

        WriteAttributes(buffer, F.LinkAttributes, link.Attributes, includeContent);
        if (link.Flags != 0)
        {
            buffer.WriteFixed32Field(F.LinkFlags, link.Flags);
        }

        buffer.EndMessage();
    }

    private static void WriteStatus(ProtobufBuffer buffer, SpanStatus status)
    {
        if (string.IsNullOrEmpty(status.Message) && (uint)status.Code < 0x80)
        {
            // Known size: the status message holds at most the code (one varint field of one byte).
            bool hasCode = status.Code != SpanStatusCode.Unset;
            Span<byte> room = buffer.GetSpan(4);
            room[0] = StatusTag;
            room[1] = hasCode ? (byte)2 : (byte)0;
            room[2] = StatusCodeTag;
            room[3] = (byte)status.Code;
            buffer.Advance(hasCode ? 4 : 2);
            return;
        }

        buffer.BeginMessage(F.SpanStatus);
        buffer.WriteStringField(F.StatusMessage, status.Message);
        if (status.Code != SpanStatusCode.Unset)
        {
            buffer.WriteVarintField(F.StatusCode, (ulong)(int)status.Code);
        }

        buffer.EndMessage();
    }

    private static void WriteTraceId(ProtobufBuffer buffer, int field, TraceId id)
    {
        Span<byte> room = buffer.GetSpan(2 + TraceId.ByteLength);
        room[0] = IdTag(field);
        room[1] = TraceId.ByteLength;
        id.CopyTo(room.Slice(2, TraceId.ByteLength));
        buffer.Advance(2 + TraceId.ByteLength);
    }

    private static void WriteSpanId(ProtobufBuffer buffer, int field, SpanId id)
    {
        Span<byte> room = buffer.GetSpan(2 + SpanId.ByteLength);
        room[0] = IdTag(field);
        room[1] = SpanId.ByteLength;
        id.CopyTo(room.Slice(2, SpanId.ByteLength));
        buffer.Advance(2 + SpanId.ByteLength);
    }

    /// <summary>The one-byte tag of an id field (ids are fields 1, 2 and 4 of a span and 1 and 2 of a link).</summary>
    private static byte IdTag(int field) => (byte)((field << 3) | (int)WireType.LengthDelimited);

    private static void WriteNanos(ProtobufBuffer buffer, int field, long nanos)
    {
        if (nanos != 0)
        {
            buffer.WriteFixed64Field(field, (ulong)nanos);
        }
    }
}

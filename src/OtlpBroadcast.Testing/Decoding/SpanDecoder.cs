using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>Decodes one <c>Span</c> with its status.</summary>
internal static class SpanDecoder
{
    internal const int TraceIdHexLength = 32;
    internal const int SpanIdHexLength = 16;

    private const int MaxSpanKind = 5;
    private const int MaxStatusCode = 2;

    private static readonly string[] SpanKeys =
    [
        "traceId", "spanId", "traceState", "parentSpanId", "flags", "name", "kind", "startTimeUnixNano",
        "endTimeUnixNano", "attributes", "droppedAttributesCount", "events", "droppedEventsCount", "links",
        "droppedLinksCount", "status",
    ];

    private static readonly string[] StatusKeys = ["code", "message"];

    /// <summary>
    /// Ids are required in both modes (a span without them is invalid). Strictly, <c>name</c> and both
    /// timestamps are required too: a proto3 default of "" or 0 there means the exporter lost a field.
    /// </summary>
    public static ReceivedSpan Decode(
        JsonElement element, string path, ReceivedResource resource, ReceivedScope scope, DecodeContext context)
    {
        string? traceId = null, spanId = null, parentSpanId = null, traceState = null, name = null, statusMessage = null;
        long? start = null, end = null;
        uint flags = 0, droppedAttributes = 0, droppedEvents = 0, droppedLinks = 0;
        int kind = 0, statusCode = 0;
        var attributes = ReceivedAttributeList.Empty;
        IReadOnlyList<ReceivedEvent> events = [];
        IReadOnlyList<ReceivedLink> links = [];

        foreach (var member in context.Members(element, path))
        {
            var value = member.Value;
            var memberPath = JsonPath.Member(path, member.Name);
            switch (member.Name)
            {
                case "traceId": traceId = ScalarReader.ReadId(value, memberPath, TraceIdHexLength, optional: false, context); break;
                case "spanId": spanId = ScalarReader.ReadId(value, memberPath, SpanIdHexLength, optional: false, context); break;
                case "parentSpanId": parentSpanId = ScalarReader.ReadId(value, memberPath, SpanIdHexLength, optional: true, context); break;
                case "traceState": traceState = ScalarReader.ReadOptionalString(value, memberPath); break;
                case "flags": flags = ScalarReader.ReadUInt32(value, memberPath); break;
                case "name": name = ScalarReader.ReadString(value, memberPath); break;
                case "kind": kind = ScalarReader.ReadEnum(value, memberPath, MaxSpanKind, "span kind"); break;
                case "startTimeUnixNano": start = ScalarReader.ReadInt64(value, memberPath, allowNegative: false, context); break;
                case "endTimeUnixNano": end = ScalarReader.ReadInt64(value, memberPath, allowNegative: false, context); break;
                case "attributes": attributes = AttributeDecoder.DecodeList(value, memberPath, context); break;
                case "droppedAttributesCount": droppedAttributes = ScalarReader.ReadUInt32(value, memberPath); break;
                case "events": events = EventLinkDecoder.DecodeEvents(value, memberPath, context); break;
                case "droppedEventsCount": droppedEvents = ScalarReader.ReadUInt32(value, memberPath); break;
                case "links": links = EventLinkDecoder.DecodeLinks(value, memberPath, context); break;
                case "droppedLinksCount": droppedLinks = ScalarReader.ReadUInt32(value, memberPath); break;
                case "status": (statusCode, statusMessage) = DecodeStatus(value, memberPath, context); break;
                default: context.Unknown(path, member.Name, SpanKeys); break;
            }
        }

        Require(traceId, path, "traceId");
        Require(spanId, path, "spanId");
        if (context.Strict)
        {
            Require(string.IsNullOrEmpty(name) ? null : name, path, "name");
            Require(start, path, "startTimeUnixNano");
            Require(end, path, "endTimeUnixNano");
        }

        return new ReceivedSpan
        {
            TraceId = traceId!,
            SpanId = spanId!,
            ParentSpanId = parentSpanId,
            TraceState = traceState,
            Flags = flags,
            Name = name ?? "",
            Kind = kind,
            StartTimeUnixNano = start ?? 0,
            EndTimeUnixNano = end ?? 0,
            Attributes = attributes,
            DroppedAttributesCount = droppedAttributes,
            Events = events,
            DroppedEventsCount = droppedEvents,
            Links = links,
            DroppedLinksCount = droppedLinks,
            StatusCode = statusCode,
            StatusMessage = statusMessage,
            Resource = resource,
            Scope = scope,
        };
    }

    internal static void Require(object? value, string path, string key)
    {
        if (value is null)
        {
            throw new OtlpDecodeException(JsonPath.Member(path, key), "missing");
        }
    }

    private static (int Code, string? Message) DecodeStatus(JsonElement element, string path, DecodeContext context)
    {
        int code = 0;
        string? message = null;
        foreach (var member in context.Members(element, path))
        {
            var memberPath = JsonPath.Member(path, member.Name);
            switch (member.Name)
            {
                case "code": code = ScalarReader.ReadEnum(member.Value, memberPath, MaxStatusCode, "status code"); break;
                case "message": message = ScalarReader.ReadOptionalString(member.Value, memberPath); break;
                default: context.Unknown(path, member.Name, StatusKeys); break;
            }
        }

        return (code, message);
    }
}

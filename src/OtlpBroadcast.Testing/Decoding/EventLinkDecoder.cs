using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>Decodes span <c>events</c> and <c>links</c>.</summary>
internal static class EventLinkDecoder
{
    private static readonly string[] EventKeys = ["timeUnixNano", "name", "attributes", "droppedAttributesCount"];

    private static readonly string[] LinkKeys =
        ["traceId", "spanId", "traceState", "attributes", "droppedAttributesCount", "flags"];

    public static IReadOnlyList<ReceivedEvent> DecodeEvents(JsonElement element, string path, DecodeContext context)
        => context.Items(element, path).Select(item => DecodeEvent(item.Item, item.Path, context)).ToArray();

    public static IReadOnlyList<ReceivedLink> DecodeLinks(JsonElement element, string path, DecodeContext context)
        => context.Items(element, path).Select(item => DecodeLink(item.Item, item.Path, context)).ToArray();

    private static ReceivedEvent DecodeEvent(JsonElement element, string path, DecodeContext context)
    {
        string? name = null;
        long time = 0;
        uint dropped = 0;
        var attributes = ReceivedAttributeList.Empty;
        foreach (var member in context.Members(element, path))
        {
            var memberPath = JsonPath.Member(path, member.Name);
            switch (member.Name)
            {
                case "timeUnixNano": time = ScalarReader.ReadInt64(member.Value, memberPath, allowNegative: false, context); break;
                case "name": name = ScalarReader.ReadString(member.Value, memberPath); break;
                case "attributes": attributes = AttributeDecoder.DecodeList(member.Value, memberPath, context); break;
                case "droppedAttributesCount": dropped = ScalarReader.ReadUInt32(member.Value, memberPath); break;
                default: context.Unknown(path, member.Name, EventKeys); break;
            }
        }

        return new ReceivedEvent { Name = name ?? "", TimeUnixNano = time, Attributes = attributes, DroppedAttributesCount = dropped };
    }

    private static ReceivedLink DecodeLink(JsonElement element, string path, DecodeContext context)
    {
        string? traceId = null, spanId = null, traceState = null;
        uint flags = 0, dropped = 0;
        var attributes = ReceivedAttributeList.Empty;
        foreach (var member in context.Members(element, path))
        {
            var value = member.Value;
            var memberPath = JsonPath.Member(path, member.Name);
            switch (member.Name)
            {
                case "traceId": traceId = ScalarReader.ReadId(value, memberPath, SpanDecoder.TraceIdHexLength, optional: false, context); break;
                case "spanId": spanId = ScalarReader.ReadId(value, memberPath, SpanDecoder.SpanIdHexLength, optional: false, context); break;
                case "traceState": traceState = ScalarReader.ReadOptionalString(value, memberPath); break;
                case "attributes": attributes = AttributeDecoder.DecodeList(value, memberPath, context); break;
                case "droppedAttributesCount": dropped = ScalarReader.ReadUInt32(value, memberPath); break;
                case "flags": flags = ScalarReader.ReadUInt32(value, memberPath); break;
                default: context.Unknown(path, member.Name, LinkKeys); break;
            }
        }

        SpanDecoder.Require(traceId, path, "traceId");
        SpanDecoder.Require(spanId, path, "spanId");
        return new ReceivedLink
        {
            TraceId = traceId!,
            SpanId = spanId!,
            TraceState = traceState,
            Flags = flags,
            Attributes = attributes,
            DroppedAttributesCount = dropped,
        };
    }
}

using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>Decodes the envelope: <c>resourceSpans</c>, <c>resource</c>, <c>scopeSpans</c> and <c>scope</c>.</summary>
internal static class EnvelopeDecoder
{
    private static readonly string[] RequestKeys = ["resourceSpans"];
    private static readonly string[] ResourceSpansKeys = ["resource", "scopeSpans", "schemaUrl"];
    private static readonly string[] ResourceKeys = ["attributes", "droppedAttributesCount", "entityRefs"];
    private static readonly string[] ScopeSpansKeys = ["scope", "spans", "schemaUrl"];
    private static readonly string[] ScopeKeys = ["name", "version", "attributes", "droppedAttributesCount"];

    public static DecodedTraces Decode(JsonElement root, DecodeContext context)
    {
        var groups = new List<ReceivedResourceSpans>();
        foreach (var member in context.Members(root, JsonPath.Root))
        {
            if (member.Name != "resourceSpans")
            {
                context.Unknown(JsonPath.Root, member.Name, RequestKeys);
                continue;
            }

            groups.Clear();
            foreach (var (item, path) in context.Items(member.Value, "resourceSpans"))
            {
                groups.Add(DecodeResourceSpans(item, path, context));
            }
        }

        return new DecodedTraces(groups);
    }

    // The resource may follow scopeSpans in the text, yet every span refers to it: collect, then decode.
    private static ReceivedResourceSpans DecodeResourceSpans(JsonElement element, string path, DecodeContext context)
    {
        JsonElement? resourceElement = null, scopeSpansElement = null;
        string? schemaUrl = null;
        foreach (var member in context.Members(element, path))
        {
            switch (member.Name)
            {
                case "resource": resourceElement = member.Value; break;
                case "scopeSpans": scopeSpansElement = member.Value; break;
                case "schemaUrl": schemaUrl = ScalarReader.ReadOptionalString(member.Value, JsonPath.Member(path, member.Name)); break;
                default: context.Unknown(path, member.Name, ResourceSpansKeys); break;
            }
        }

        var resource = resourceElement is { } r
            ? DecodeResource(r, JsonPath.Member(path, "resource"), context)
            : ReceivedResource.Empty;
        var scopeSpans = new List<ReceivedScopeSpans>();
        if (scopeSpansElement is { } s)
        {
            foreach (var (item, itemPath) in context.Items(s, JsonPath.Member(path, "scopeSpans")))
            {
                scopeSpans.Add(DecodeScopeSpans(item, itemPath, resource, context));
            }
        }

        return new ReceivedResourceSpans { Resource = resource, SchemaUrl = schemaUrl, ScopeSpans = scopeSpans };
    }

    private static ReceivedResource DecodeResource(JsonElement element, string path, DecodeContext context)
    {
        var attributes = ReceivedAttributeList.Empty;
        uint dropped = 0;
        foreach (var member in context.Members(element, path))
        {
            var memberPath = JsonPath.Member(path, member.Name);
            switch (member.Name)
            {
                case "attributes": attributes = AttributeDecoder.DecodeList(member.Value, memberPath, context); break;
                case "droppedAttributesCount": dropped = ScalarReader.ReadUInt32(member.Value, memberPath); break;

                // A development-status field of the proto; accepted so that newer senders are not refused.
                case "entityRefs": DecodeContext.Expect(member.Value, JsonValueKind.Array, memberPath, "an array"); break;
                default: context.Unknown(path, member.Name, ResourceKeys); break;
            }
        }

        return new ReceivedResource { Attributes = attributes, DroppedAttributesCount = dropped };
    }

    private static ReceivedScopeSpans DecodeScopeSpans(
        JsonElement element, string path, ReceivedResource resource, DecodeContext context)
    {
        JsonElement? scopeElement = null, spansElement = null;
        string? schemaUrl = null;
        foreach (var member in context.Members(element, path))
        {
            switch (member.Name)
            {
                case "scope": scopeElement = member.Value; break;
                case "spans": spansElement = member.Value; break;
                case "schemaUrl": schemaUrl = ScalarReader.ReadOptionalString(member.Value, JsonPath.Member(path, member.Name)); break;
                default: context.Unknown(path, member.Name, ScopeSpansKeys); break;
            }
        }

        var scope = scopeElement is { } s ? DecodeScope(s, JsonPath.Member(path, "scope"), context) : ReceivedScope.Empty;
        var spans = new List<ReceivedSpan>();
        if (spansElement is { } array)
        {
            foreach (var (item, itemPath) in context.Items(array, JsonPath.Member(path, "spans")))
            {
                spans.Add(SpanDecoder.Decode(item, itemPath, resource, scope, context));
            }
        }

        return new ReceivedScopeSpans { Scope = scope, SchemaUrl = schemaUrl, Spans = spans };
    }

    private static ReceivedScope DecodeScope(JsonElement element, string path, DecodeContext context)
    {
        string name = "";
        string? version = null;
        var attributes = ReceivedAttributeList.Empty;
        uint dropped = 0;
        foreach (var member in context.Members(element, path))
        {
            var memberPath = JsonPath.Member(path, member.Name);
            switch (member.Name)
            {
                case "name": name = ScalarReader.ReadString(member.Value, memberPath); break;
                case "version": version = ScalarReader.ReadOptionalString(member.Value, memberPath); break;
                case "attributes": attributes = AttributeDecoder.DecodeList(member.Value, memberPath, context); break;
                case "droppedAttributesCount": dropped = ScalarReader.ReadUInt32(member.Value, memberPath); break;
                default: context.Unknown(path, member.Name, ScopeKeys); break;
            }
        }

        return new ReceivedScope { Name = name, Version = version, Attributes = attributes, DroppedAttributesCount = dropped };
    }
}

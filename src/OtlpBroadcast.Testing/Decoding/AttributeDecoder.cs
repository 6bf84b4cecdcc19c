using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>Decodes <c>KeyValue</c> lists and <c>AnyValue</c>s.</summary>
internal static class AttributeDecoder
{
    private static readonly string[] KeyValueKeys = ["key", "value"];
    private static readonly string[] ListKeys = ["values"];
    private static readonly string[] AnyValueKeys =
        ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"];

    /// <summary>
    /// A <c>KeyValue</c> list (span, resource, scope, event and link attributes, and <c>kvlistValue.values</c>).
    /// Strictly, keys must be non-empty and unique, as the OpenTelemetry specification requires.
    /// </summary>
    public static ReceivedAttributeList DecodeList(JsonElement element, string path, DecodeContext context)
    {
        var attributes = new List<ReceivedAttribute>();
        var firstIndexByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (item, itemPath) in context.Items(element, path))
        {
            var attribute = DecodeKeyValue(item, itemPath, context);
            if (context.Strict && !firstIndexByKey.TryAdd(attribute.Key, attributes.Count))
            {
                throw new OtlpDecodeException(
                    JsonPath.Member(itemPath, "key"),
                    $"duplicate attribute key {ValueText.Quote(attribute.Key)} (first at {JsonPath.Index(path, firstIndexByKey[attribute.Key])})");
            }

            attributes.Add(attribute);
        }

        return new ReceivedAttributeList(attributes);
    }

    /// <summary>
    /// An <c>AnyValue</c> holding exactly one field. An empty one is refused in both modes: the model has
    /// no "empty" kind, and an exporter that writes one has lost a value.
    /// </summary>
    public static ReceivedValue DecodeValue(JsonElement element, string path, DecodeContext context)
    {
        ReceivedValue? value = null;
        string? field = null;
        foreach (var member in context.Members(element, path))
        {
            var memberPath = JsonPath.Member(path, member.Name);
            var decoded = DecodeField(member.Name, member.Value, memberPath, context);
            if (decoded is null)
            {
                context.Unknown(path, member.Name, AnyValueKeys);
                continue;
            }

            if (field is not null && field != member.Name)
            {
                throw new OtlpDecodeException(path, $"expected exactly one value field, found '{field}' and '{member.Name}'");
            }

            value = decoded;
            field = member.Name;
        }

        return value ?? throw new OtlpDecodeException(
            path, $"expected exactly one value field ({string.Join(", ", AnyValueKeys)}), found none");
    }

    private static ReceivedValue? DecodeField(string name, JsonElement element, string path, DecodeContext context)
        => name switch
        {
            "stringValue" => ReceivedValue.FromString(ScalarReader.ReadString(element, path)),
            "boolValue" => ReceivedValue.FromBool(ScalarReader.ReadBool(element, path)),
            "intValue" => ReceivedValue.FromInt(ScalarReader.ReadInt64(element, path, allowNegative: true, context)),
            "doubleValue" => ReceivedValue.FromDouble(ScalarReader.ReadDouble(element, path)),
            "bytesValue" => ReceivedValue.FromBytes(ScalarReader.ReadBytes(element, path, context)),
            "arrayValue" => ReceivedValue.FromArray(DecodeArray(element, path, context)),
            "kvlistValue" => ReceivedValue.FromKeyValueList(DecodeKeyValueList(element, path, context)),
            _ => null,
        };

    private static ReceivedAttribute DecodeKeyValue(JsonElement element, string path, DecodeContext context)
    {
        string? key = null;
        ReceivedValue? value = null;
        foreach (var member in context.Members(element, path))
        {
            var memberPath = JsonPath.Member(path, member.Name);
            switch (member.Name)
            {
                case "key":
                    key = ScalarReader.ReadString(member.Value, memberPath);
                    break;
                case "value":
                    value = DecodeValue(member.Value, memberPath, context);
                    break;
                default:
                    context.Unknown(path, member.Name, KeyValueKeys);
                    break;
            }
        }

        if (context.Strict && string.IsNullOrEmpty(key))
        {
            throw new OtlpDecodeException(JsonPath.Member(path, "key"), key is null ? "missing" : "must not be empty");
        }

        if (value is null)
        {
            throw new OtlpDecodeException(JsonPath.Member(path, "value"), "missing");
        }

        return new ReceivedAttribute(key ?? "", value);
    }

    private static List<ReceivedValue> DecodeArray(JsonElement element, string path, DecodeContext context)
    {
        var values = new List<ReceivedValue>();
        foreach (var member in context.Members(element, path))
        {
            if (member.Name != "values")
            {
                context.Unknown(path, member.Name, ListKeys);
                continue;
            }

            values.Clear();
            foreach (var (item, itemPath) in context.Items(member.Value, JsonPath.Member(path, "values")))
            {
                values.Add(DecodeValue(item, itemPath, context));
            }
        }

        return values;
    }

    private static ReceivedAttributeList DecodeKeyValueList(JsonElement element, string path, DecodeContext context)
    {
        var list = ReceivedAttributeList.Empty;
        foreach (var member in context.Members(element, path))
        {
            if (member.Name != "values")
            {
                context.Unknown(path, member.Name, ListKeys);
                continue;
            }

            list = DecodeList(member.Value, JsonPath.Member(path, "values"), context);
        }

        return list;
    }
}

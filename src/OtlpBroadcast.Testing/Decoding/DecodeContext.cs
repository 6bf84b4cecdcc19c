using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>
/// Walks objects and arrays and applies the rules that differ between strict and lenient decoding:
/// unknown keys, duplicate keys and explicit nulls.
/// </summary>
internal sealed class DecodeContext(bool strict)
{
    public bool Strict => strict;

    /// <summary>
    /// The members of an object. Strictly, a repeated key is an error (a JSON parser would silently keep
    /// one of them); leniently, later members win and null members count as absent, as in proto3 JSON.
    /// </summary>
    public IEnumerable<JsonProperty> Members(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path, "an object");
        return strict ? StrictMembers(element, path) : LenientMembers(element);
    }

    /// <summary>The items of an array with their paths.</summary>
    public IEnumerable<(JsonElement Item, string Path)> Items(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Array, path, "an array");
        return IndexedItems(element, path);
    }

    /// <summary>Rejects an unknown key strictly (naming the key it probably meant); ignores it leniently.</summary>
    public void Unknown(string path, string name, IReadOnlyList<string> known)
    {
        if (!strict)
        {
            return;
        }

        var meant = known.FirstOrDefault(k => string.Equals(Fold(k), Fold(name), StringComparison.Ordinal));
        var hint = meant is null ? $"known keys: {string.Join(", ", known)}" : $"did you mean '{meant}'?";
        throw new OtlpDecodeException(JsonPath.Member(path, name), $"unknown key ({hint})");
    }

    public static void Expect(JsonElement element, JsonValueKind kind, string path, string what)
    {
        if (element.ValueKind != kind)
        {
            throw new OtlpDecodeException(path, $"expected {what}, found {Describe(element)}");
        }
    }

    /// <summary>A short description of what was found, for "expected X, found Y" messages.</summary>
    public static string Describe(JsonElement element)
    {
        const int MaxShown = 48;
        return element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.Null => "null",
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => "number " + Shorten(element.GetRawText(), MaxShown),
            JsonValueKind.String => "string " + Shorten(element.GetRawText(), MaxShown),
            _ => element.ValueKind.ToString(),
        };
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    private static string Fold(string key) => key.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();

    private static IEnumerable<JsonProperty> StrictMembers(JsonElement element, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            if (!seen.Add(member.Name))
            {
                throw new OtlpDecodeException(JsonPath.Member(path, member.Name), "duplicate key");
            }

            yield return member;
        }
    }

    private static IEnumerable<JsonProperty> LenientMembers(JsonElement element)
        => element.EnumerateObject().Where(member => member.Value.ValueKind != JsonValueKind.Null);

    private static IEnumerable<(JsonElement, string)> IndexedItems(JsonElement element, string path)
    {
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            yield return (item, JsonPath.Index(path, index++));
        }
    }
}

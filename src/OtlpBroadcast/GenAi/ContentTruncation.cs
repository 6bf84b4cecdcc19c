using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>
/// Cuts content to a length limit without breaking it: JSON content (messages) stays valid JSON of the same shape,
/// with long strings shortened and trailing elements left out; other text is cut at a character boundary. A cut is
/// marked with an ellipsis (…) at the end of the last string that was shortened. The result never has more characters
/// than the limit: JSON whose outer structure alone does not fit is cut as plain text.
/// </summary>
public static class ContentTruncation
{
    private const char Ellipsis = '…';

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="maxLength"/> characters; returns it unchanged
    /// when it fits (or when <paramref name="maxLength"/> is 0).</summary>
    public static string Truncate(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (maxLength <= 0 || text.Length <= maxLength)
        {
            return text;
        }

        if (LooksLikeJson(text) && TryTruncateJsonOrRefuse(text, maxLength, out string? json))
        {
            return json;
        }

        return TruncateText(text, maxLength);
    }

    /// <summary>Cuts <paramref name="text"/>, longer than <paramref name="maxLength"/> (at least 1), as plain text: at a
    /// character boundary (never between the two halves of a surrogate pair), ending with an ellipsis.</summary>
    internal static string TruncateText(string text, int maxLength)
    {
        int cut = Math.Max(0, maxLength - 1);
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), Ellipsis.ToString());
    }

    private static bool LooksLikeJson(string text)
    {
        ReadOnlySpan<char> trimmed = text.AsSpan().TrimStart();
        return trimmed.Length > 0 && (trimmed[0] == '[' || trimmed[0] == '{');
    }

    /// <summary>As <see cref="TryTruncateJson"/>, and false for JSON that escapes a lone surrogate (<c>\ud800</c>): its
    /// syntax is valid, but System.Text.Json refuses to read such a string, so it is cut as plain text.</summary>
    private static bool TryTruncateJsonOrRefuse(string text, int maxLength, out string result)
    {
        try
        {
            return TryTruncateJson(text, maxLength, out result);
        }
        catch (InvalidOperationException)
        {
            result = text;
            return false;
        }
    }

    /// <summary>Cuts JSON to at most <paramref name="maxLength"/> characters; false when it is not valid JSON or when
    /// not even its outer structure fits.</summary>
    private static bool TryTruncateJson(string text, int maxLength, out string result)
    {
        result = text;
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        if (!IsValidJson(utf8))
        {
            return false;
        }

        result = CopyWithinBudget(utf8, maxLength);
        if (result.Length <= maxLength)
        {
            return true;
        }

        // The budget counts characters as they are read, but the writer's escapes (\", \n, \u0001, and \uXXXX\uXXXX
        // for every character outside the BMP) and a property closed early with null take more room: find, by
        // bisection, a smaller budget whose copy fits. A budget of 1 gives "[]" or "{}", so any limit of 2 or more
        // ends with valid JSON.
        string? fitting = null;
        int low = 0;
        int high = maxLength;
        while (high - low > 1)
        {
            int middle = low + ((high - low) / 2);
            string copy = CopyWithinBudget(utf8, middle);
            if (copy.Length <= maxLength)
            {
                fitting = copy;
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        result = fitting ?? text;
        return fitting is not null;
    }

    /// <summary>Copies the JSON token by token, spending a character budget on string contents; once it is spent,
    /// the open arrays and objects are closed.</summary>
    private static string CopyWithinBudget(byte[] utf8, int budget)
    {
        var output = new ArrayBufferWriter<byte>(Math.Min(utf8.Length, budget * 4) + 64);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            // The structure (brackets, keys, numbers) costs characters too; keep a reserve for closing brackets.
            int depth = 0;
            bool exhausted = false;
            bool pendingProperty = false;
            var reader = new Utf8JsonReader(utf8);
            while (reader.Read())
            {
                if (exhausted && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject))
                {
                    reader.TrySkip();
                    continue;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        depth++;
                        budget -= 2;
                        pendingProperty = false;
                        break;
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        depth++;
                        budget -= 2;
                        pendingProperty = false;
                        break;
                    case JsonTokenType.EndArray:
                        if (pendingProperty)
                        {
                            writer.WriteNullValue();
                            pendingProperty = false;
                        }

                        writer.WriteEndArray();
                        depth--;
                        break;
                    case JsonTokenType.EndObject:
                        if (pendingProperty)
                        {
                            writer.WriteNullValue();
                            pendingProperty = false;
                        }

                        writer.WriteEndObject();
                        depth--;
                        break;
                    case JsonTokenType.PropertyName:
                        string name = reader.GetString()!;
                        budget -= name.Length + 3;
                        writer.WritePropertyName(name);
                        pendingProperty = true;
                        if (budget <= depth)
                        {
                            // Keep the property valid: it gets an empty value, then everything closes.
                            exhausted = true;
                        }

                        break;
                    case JsonTokenType.String:
                        string value = reader.GetString()!;
                        int room = Math.Max(0, budget - depth - 3);
                        if (value.Length > room)
                        {
                            writer.WriteStringValue(Truncate(value, Math.Max(1, room)));
                            exhausted = true;
                        }
                        else
                        {
                            writer.WriteStringValue(value);
                        }

                        budget -= Math.Min(value.Length, room) + 3;
                        pendingProperty = false;
                        break;
                    default:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        budget -= reader.ValueSpan.Length + 1;
                        pendingProperty = false;
                        break;
                }

                if (!exhausted && budget <= depth)
                {
                    exhausted = true;
                }
            }
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static bool IsValidJson(byte[] utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

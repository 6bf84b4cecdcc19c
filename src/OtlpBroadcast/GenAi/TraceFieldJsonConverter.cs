using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast;

/// <summary>
/// Reads and writes <see cref="TraceField"/> by hand: known keys accept strings and, leniently, numbers (an id
/// given as <c>42</c> is still an id); every other key is kept as metadata whatever its JSON value. Text that
/// System.Text.Json cannot read (a lone surrogate escaped, invalid UTF-8) never refuses the field: in a known key's
/// value it becomes U+FFFD, and a metadata key holding it is left out.
/// </summary>
public sealed class TraceFieldJsonConverter : JsonConverter<TraceField>
{
    /// <inheritdoc/>
    public override TraceField? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The trace field must be a JSON object.");
        }

        var field = new TraceField();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string? key = TryGetString(ref reader);
            reader.Read();
            if (key is null)
            {
                // A key escaping a lone surrogate is left out and counted, as a nested one is when the metadata is
                // written.
                reader.Skip();
                field.KeysLeftOut++;
                continue;
            }

            switch (key)
            {
                case "trace_id":
                    field.TraceId = ReadText(ref reader, key);
                    break;
                case "trace_name":
                    field.TraceName = ReadText(ref reader, key);
                    break;
                case "span_name":
                    field.SpanName = ReadText(ref reader, key);
                    break;
                case "generation_name":
                    field.GenerationName = ReadText(ref reader, key);
                    break;
                case "parent_span_id":
                    field.ParentSpanId = ReadText(ref reader, key);
                    break;
                default:
                    // A repeated key keeps its last value, as System.Text.Json does for dictionaries.
                    field.Metadata[key] = JsonElement.ParseValue(ref reader);
                    break;
            }
        }

        return field;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, TraceField value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteIfSet(writer, "trace_id", value.TraceId);
        WriteIfSet(writer, "trace_name", value.TraceName);
        WriteIfSet(writer, "span_name", value.SpanName);
        WriteIfSet(writer, "generation_name", value.GenerationName);
        WriteIfSet(writer, "parent_span_id", value.ParentSpanId);
        foreach (KeyValuePair<string, JsonElement> entry in value.Metadata)
        {
            // Metadata built in code may hold what reading never puts there: a known key (written above, or to be read
            // back as that property) or an element without a value.
            if (IsKnownKey(entry.Key) || entry.Value.ValueKind == JsonValueKind.Undefined)
            {
                continue;
            }

            writer.WritePropertyName(entry.Key);
            entry.Value.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    private static bool IsKnownKey(string key) => key is "trace_id" or "trace_name" or "span_name" or "generation_name" or "parent_span_id";

    private static string? ReadText(ref Utf8JsonReader reader, string key) => reader.TokenType switch
    {
        JsonTokenType.String => TryGetString(ref reader) ?? Repaired(ref reader),
        JsonTokenType.Null => null,
        JsonTokenType.Number => NumberText(ref reader),
        _ => throw new JsonException($"The trace field's '{key}' must be a string."),
    };

    /// <summary>A number as text: an integer as such, a double in its shortest form, and as written an integer beyond
    /// int64 (as a double, <c>12345678901234567890</c> and <c>12345678901234567891</c> would be one id, and 32 digits
    /// would no longer be the 32 hex characters they are) and a number beyond a double (<c>1e400</c>, which would read
    /// as infinity).</summary>
    private static string NumberText(ref Utf8JsonReader reader)
    {
        if (reader.TryGetInt64(out long integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        ReadOnlySpan<byte> written = Written(ref reader);
        if (written.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0 && reader.TryGetDouble(out double number) && double.IsFinite(number))
        {
            return number.ToString("R", CultureInfo.InvariantCulture);
        }

        return System.Text.Encoding.UTF8.GetString(written);
    }

    /// <summary>The token's bytes as written in the JSON (a string's without its quotes, escapes kept).</summary>
    private static ReadOnlySpan<byte> Written(ref Utf8JsonReader reader)
        => reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;

    /// <summary>The string or property name, or <see langword="null"/> when System.Text.Json refuses to read it: JSON
    /// can escape a lone surrogate (<c>\ud800</c>, a client that cut an emoji in two), and the parser does not check
    /// UTF-8 inside strings. Refusing the text refused the whole trace field, and the request that carried it.</summary>
    private static string? TryGetString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A string that <see cref="TryGetString"/> could not read, unescaped by hand, with U+FFFD for each lone
    /// surrogate and invalid UTF-8 sequence (as the SDK writes them everywhere else).</summary>
    private static string Repaired(ref Utf8JsonReader reader)
    {
        string escaped = System.Text.Encoding.UTF8.GetString(Written(ref reader));
        var text = new System.Text.StringBuilder(escaped.Length);
        for (int i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '\\')
            {
                text.Append(escaped[i]);
                continue;
            }

            // The reader has checked the escapes: a backslash is followed by one of these, \u by four hex digits.
            char kind = escaped[++i];
            if (kind == 'u')
            {
                text.Append((char)int.Parse(escaped.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 4;
                continue;
            }

            text.Append(kind switch { 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t', _ => kind });
        }

        // Encoding to UTF-8 replaces each lone surrogate with U+FFFD; whole pairs are kept.
        return System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string key, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(key, value);
        }
    }
}

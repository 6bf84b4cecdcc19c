using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OtlpBroadcast.AI;

/// <summary>
/// Reads the router-style request options a caller put into <see cref="ChatOptions.AdditionalProperties"/>: a
/// <c>trace</c> entry (a <see cref="TraceField"/>, a <see cref="JsonElement"/>, JSON text or a dictionary with the
/// router's keys), and <c>user</c> and <c>session_id</c>.
/// </summary>
/// <remarks>
/// A dictionary may be a string-to-object one, any <see cref="IDictionary"/> (a <c>Dictionary&lt;string, string&gt;</c>
/// or a <c>SortedDictionary&lt;string, int&gt;</c>: generic dictionaries are not variant, so only the non-generic
/// interface sees them all without reflection) or string pairs; nested, each is written as an object.
/// </remarks>
internal static class ChatTraceOptions
{
    /// <summary>The trace field; <see langword="null"/> when absent or unreadable (telemetry never fails a call).</summary>
    public static TraceField? ReadTrace(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || !properties.TryGetValue(OtlpBroadcastChatClientOptions.TraceKey, out object? value) || value is null)
        {
            return null;
        }

        try
        {
            return value switch
            {
                TraceField field => field,
                JsonElement { ValueKind: JsonValueKind.Object } element => TraceField.Parse(element.GetRawText()),
                string text => TraceField.Parse(text),
                IDictionary<string, object?> or IReadOnlyDictionary<string, object?> or IDictionary
                    or IEnumerable<KeyValuePair<string, string>> => TraceField.Parse(ToJson(value)),
                _ => null,
            };
        }
        catch (Exception)
        {
            // Not only bad JSON: a caller's value may throw from ToString() or a dictionary change while read. The
            // trace entry is then lost, never the call's recording, which Start would drop on an exception from here.
            return null;
        }
    }

    /// <summary>A string entry (a string or a JSON string), else <see langword="null"/>.</summary>
    public static string? ReadString(AdditionalPropertiesDictionary? properties, string key)
    {
        if (properties is null || !properties.TryGetValue(key, out object? value))
        {
            return null;
        }

        return value switch
        {
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            _ => null,
        };
    }

    /// <summary>A value as JSON, without reflection: a dictionary as an object (what <see cref="ReadTrace"/> passes),
    /// a tool call's arguments or a tool's result as JSON-like values, anything else as its text.</summary>
    internal static string ToJson(object? value)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: "Zürich" stays "Zürich" (the default encoder writes "Z\u00FCrich"), as the model wrote it.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteValue(writer, value, depth: 0);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteObject<TKey, TValue>(Utf8JsonWriter writer, IEnumerable<KeyValuePair<TKey, TValue>> entries, int depth)
        where TKey : notnull
    {
        writer.WriteStartObject();
        foreach (KeyValuePair<TKey, TValue> entry in entries)
        {
            writer.WritePropertyName(KeyText(entry.Key));
            WriteValue(writer, entry.Value, depth + 1);
        }

        writer.WriteEndObject();
    }

    /// <summary>A non-generic dictionary's entries as pairs, so that one writer of objects serves every kind.</summary>
    private static IEnumerable<KeyValuePair<object, object?>> Entries(IDictionary dictionary)
    {
        IDictionaryEnumerator entries = dictionary.GetEnumerator();
        while (entries.MoveNext())
        {
            yield return new KeyValuePair<object, object?>(entries.Key, entries.Value);
        }
    }

    /// <summary>A key as a member name; numbers and dates as invariant text, so that the name is the same on any machine.</summary>
    private static string KeyText(object key) => key switch
    {
        string text => text,
        IFormattable formattable => InvariantText(formattable),
        _ => key.ToString() ?? "",
    };

    /// <summary>
    /// A formattable value as invariant text; dates and times in ISO 8601 (<c>O</c>), as JSON carries them: the
    /// invariant culture's general form (<c>12/07/2026 12:34:56</c>) is ambiguous and loses the fraction of a second
    /// and what the offset or kind said.
    /// </summary>
    private static string InvariantText(IFormattable value)
        => value.ToString(value is DateTime or DateTimeOffset or DateOnly or TimeOnly ? "O" : null, CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a value without reflection: JSON-like CLR values are written as such, anything else as its text. Text
    /// needs no cleaning: the writer itself writes a lone surrogate, in a key or a value, as U+FFFD.
    /// </summary>
    private static void WriteValue(Utf8JsonWriter writer, object? value, int depth)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or short or byte or sbyte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong big:
                writer.WriteNumberValue(big);
                break;
            case float single when float.IsFinite(single):
                // As a float reads (0.1f is 0.1): through double it would be 0.10000000149011612.
                writer.WriteNumberValue(single);
                break;
            case double or float or decimal:
                WriteNumber(writer, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case IDictionary<string, object?> dictionary when depth < 16:
                WriteObject(writer, dictionary, depth);
                break;
            case IReadOnlyDictionary<string, object?> dictionary when depth < 16:
                WriteObject(writer, dictionary, depth);
                break;
            case IDictionary dictionary when depth < 16:
                WriteObject(writer, Entries(dictionary), depth);
                break;
            case IEnumerable<KeyValuePair<string, string>> pairs when depth < 16:
                WriteObject(writer, pairs, depth);
                break;
            case IEnumerable items and not IDictionary when depth < 16:
                writer.WriteStartArray();
                foreach (object? item in items)
                {
                    WriteValue(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case IFormattable formattable:
                writer.WriteStringValue(InvariantText(formattable));
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }

    /// <summary>
    /// A number; NaN and the infinities, which JSON cannot carry as numbers (the writer throws on them), as the strings
    /// <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>, as the SDK's encoders send them.
    /// </summary>
    private static void WriteNumber(Utf8JsonWriter writer, double number)
    {
        if (double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
        }
    }
}

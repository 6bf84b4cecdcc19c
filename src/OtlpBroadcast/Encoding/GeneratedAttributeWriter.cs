using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>
/// Conversions that generated attribute writers share, so the generated code stays short. Each one formats on the
/// stack and allocates nothing (the exceptions are documented on the method).
/// </summary>
/// <remarks>
/// The mapping, also documented in <c>docs/generator.md</c>: <see cref="ulong"/> above <see cref="long.MaxValue"/> as a
/// decimal string, <see cref="Guid"/> as its <c>D</c> form, <see cref="DateTime"/> and <see cref="DateTimeOffset"/>
/// as ISO 8601 round-trip (<c>O</c>) strings, <see cref="JsonElement"/> by its value kind.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedAttributeWriter
{
    private const int StackChars = 256;

    /// <summary>
    /// Marks where the attributes of a sensitive member begin. Generated writers call it first inside each
    /// <c>if (includeContent)</c> block, and <see cref="EndContent{TSink}"/> last, so that the broadcaster can make the
    /// span for a destination in privacy mode from the span with content by leaving the marked bytes out (see
    /// <see cref="OtlpContentSectionsAttribute"/>). Costs nothing for sinks that do not record sections.
    /// </summary>
    public static void BeginContent<TSink>(ref TSink sink) where TSink : struct, IAttributeSink => ContentSectionMarks.Begin(ref sink);

    /// <summary>Marks where the attributes of a sensitive member end (see <see cref="BeginContent{TSink}"/>).</summary>
    public static void EndContent<TSink>(ref TSink sink) where TSink : struct, IAttributeSink => ContentSectionMarks.End(ref sink);

    /// <summary>An unsigned 64-bit integer: <c>intValue</c> when it fits, else a decimal string.</summary>
    public static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> key, ulong value) where TSink : struct, IAttributeSink
    {
        if (value <= long.MaxValue)
        {
            sink.Write(key, (long)value);
            return;
        }

        Span<char> chars = stackalloc char[20];
        value.TryFormat(chars, out int length, default, CultureInfo.InvariantCulture);
        sink.Write(key, chars[..length]);
    }

    /// <summary>A <see cref="float"/> as the double its shortest text denotes, so <c>0.7f</c> is written as 0.7 and
    /// not as 0.699999988079071.</summary>
    public static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> key, float value) where TSink : struct, IAttributeSink
        => sink.Write(key, Widen(value));

    /// <summary>A <see cref="float"/> array item, widened as <see cref="Write{TSink}(ref TSink, ReadOnlySpan{byte}, float)"/>.</summary>
    public static void WriteArrayItem<TSink>(ref TSink sink, float value) where TSink : struct, IAttributeSink
        => sink.WriteArrayItem(Widen(value));

    /// <summary>An enum value: its name when the generator knew one (<paramref name="name"/>), else its number.</summary>
    public static void WriteEnum<TSink>(ref TSink sink, ReadOnlySpan<byte> key, string? name, long value) where TSink : struct, IAttributeSink
    {
        if (name is null)
        {
            sink.Write(key, value);
        }
        else
        {
            sink.Write(key, name);
        }
    }

    /// <summary>An enum array item: its name, else its number.</summary>
    public static void WriteEnumItem<TSink>(ref TSink sink, string? name, long value) where TSink : struct, IAttributeSink
    {
        if (name is null)
        {
            sink.WriteArrayItem(value);
        }
        else
        {
            sink.WriteArrayItem(name);
        }
    }

    /// <summary>
    /// An enum value over <see cref="ulong"/>: its name, else its number as
    /// <see cref="Write{TSink}(ref TSink, ReadOnlySpan{byte}, ulong)"/> writes it (a value with the top bit set is not negative).
    /// </summary>
    public static void WriteEnum<TSink>(ref TSink sink, ReadOnlySpan<byte> key, string? name, ulong value) where TSink : struct, IAttributeSink
    {
        if (name is null)
        {
            Write(ref sink, key, value);
        }
        else
        {
            sink.Write(key, name);
        }
    }

    /// <summary>An enum array item over <see cref="ulong"/>: its name, else its number.</summary>
    public static void WriteEnumItem<TSink>(ref TSink sink, string? name, ulong value) where TSink : struct, IAttributeSink
    {
        if (name is null)
        {
            WriteArrayItem(ref sink, value);
        }
        else
        {
            sink.WriteArrayItem(name);
        }
    }

    /// <summary>A <see cref="Guid"/> in its <c>D</c> form.</summary>
    public static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> key, Guid value) where TSink : struct, IAttributeSink
    {
        Span<char> chars = stackalloc char[36];
        value.TryFormat(chars, out int length, "D");
        sink.Write(key, chars[..length]);
    }

    /// <summary>A <see cref="DateTime"/> in the round-trip <c>O</c> form.</summary>
    public static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> key, DateTime value) where TSink : struct, IAttributeSink
    {
        Span<char> chars = stackalloc char[40];
        value.TryFormat(chars, out int length, "O", CultureInfo.InvariantCulture);
        sink.Write(key, chars[..length]);
    }

    /// <summary>A <see cref="DateTimeOffset"/> in the round-trip <c>O</c> form.</summary>
    public static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> key, DateTimeOffset value) where TSink : struct, IAttributeSink
    {
        Span<char> chars = stackalloc char[40];
        value.TryFormat(chars, out int length, "O", CultureInfo.InvariantCulture);
        sink.Write(key, chars[..length]);
    }

    /// <summary>An unsigned 64-bit array item, as <see cref="Write{TSink}(ref TSink, ReadOnlySpan{byte}, ulong)"/>.</summary>
    public static void WriteArrayItem<TSink>(ref TSink sink, ulong value) where TSink : struct, IAttributeSink
    {
        if (value <= long.MaxValue)
        {
            sink.WriteArrayItem((long)value);
            return;
        }

        Span<char> chars = stackalloc char[20];
        value.TryFormat(chars, out int length, default, CultureInfo.InvariantCulture);
        sink.WriteArrayItem(chars[..length]);
    }

    /// <summary>A <see cref="Guid"/> array item.</summary>
    public static void WriteArrayItem<TSink>(ref TSink sink, Guid value) where TSink : struct, IAttributeSink
    {
        Span<char> chars = stackalloc char[36];
        value.TryFormat(chars, out int length, "D");
        sink.WriteArrayItem(chars[..length]);
    }

    /// <summary>A <see cref="DateTime"/> array item.</summary>
    public static void WriteArrayItem<TSink>(ref TSink sink, DateTime value) where TSink : struct, IAttributeSink
    {
        Span<char> chars = stackalloc char[40];
        value.TryFormat(chars, out int length, "O", CultureInfo.InvariantCulture);
        sink.WriteArrayItem(chars[..length]);
    }

    /// <summary>A <see cref="DateTimeOffset"/> array item.</summary>
    public static void WriteArrayItem<TSink>(ref TSink sink, DateTimeOffset value) where TSink : struct, IAttributeSink
    {
        Span<char> chars = stackalloc char[40];
        value.TryFormat(chars, out int length, "O", CultureInfo.InvariantCulture);
        sink.WriteArrayItem(chars[..length]);
    }

    /// <summary>
    /// A <see cref="JsonElement"/> by its value kind: strings, numbers (<c>intValue</c> when integral and in range,
    /// else <c>doubleValue</c>) and booleans as themselves, arrays as <c>arrayValue</c>, objects as their JSON text;
    /// <c>null</c> and undefined write nothing. Strings are written from the element's UTF-8 (unescaped on the stack
    /// or in a pooled buffer when they hold escape sequences): nothing is allocated.
    /// </summary>
    public static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> key, JsonElement value) where TSink : struct, IAttributeSink
        => Write(ref sink, key, value, value.ValueKind);

    /// <summary>As <see cref="Write{TSink}(ref TSink, ReadOnlySpan{byte}, JsonElement)"/>, for a caller that already
    /// read the element's kind.</summary>
    internal static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> key, JsonElement value, JsonValueKind kind) where TSink : struct, IAttributeSink
    {
        switch (kind)
        {
            case JsonValueKind.String:
                WriteString(ref sink, key, value);
                break;
            case JsonValueKind.Number:
                if (value.TryGetInt64(out long integer))
                {
                    sink.Write(key, integer);
                }
                else if (TryGetFiniteDouble(value, out double number))
                {
                    sink.Write(key, number);
                }
                else
                {
                    // Beyond a double (1e400): kept as written, not sent as "Infinity".
                    sink.WriteUtf8(key, JsonMarshal.GetRawUtf8Value(value));
                }

                break;
            case JsonValueKind.True:
                sink.Write(key, true);
                break;
            case JsonValueKind.False:
                sink.Write(key, false);
                break;
            case JsonValueKind.Object:
                sink.WriteUtf8(key, JsonMarshal.GetRawUtf8Value(value));
                break;
            case JsonValueKind.Array:
                sink.BeginArray(key);
                foreach (JsonElement item in value.EnumerateArray())
                {
                    WriteArrayItem(ref sink, item);
                }

                sink.EndArray();
                break;
        }
    }

    /// <summary>A <see cref="JsonElement"/> array item: <c>null</c> becomes the empty string, nested arrays and
    /// objects their JSON text.</summary>
    public static void WriteArrayItem<TSink>(ref TSink sink, JsonElement value) where TSink : struct, IAttributeSink
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(ref sink, ReadOnlySpan<byte>.Empty, value, asArrayItem: true);
                break;
            case JsonValueKind.Number:
                if (value.TryGetInt64(out long integer))
                {
                    sink.WriteArrayItem(integer);
                }
                else if (TryGetFiniteDouble(value, out double number))
                {
                    sink.WriteArrayItem(number);
                }
                else
                {
                    WriteUtf8ArrayItem(ref sink, JsonMarshal.GetRawUtf8Value(value));
                }

                break;
            case JsonValueKind.True:
                sink.WriteArrayItem(true);
                break;
            case JsonValueKind.False:
                sink.WriteArrayItem(false);
                break;
            case JsonValueKind.Object or JsonValueKind.Array:
                WriteUtf8ArrayItem(ref sink, JsonMarshal.GetRawUtf8Value(value));
                break;
            default:
                sink.WriteArrayItem((string?)null);
                break;
        }
    }

    /// <summary>
    /// A JSON number as a finite double. <see cref="JsonElement.TryGetDouble"/> also succeeds for a number beyond a
    /// double's range (<c>1e400</c>) and gives infinity, which would be sent as the string <c>Infinity</c> and lose the
    /// value: such a number is false here, and callers keep its text as written.
    /// </summary>
    internal static bool TryGetFiniteDouble(JsonElement value, out double number)
        => value.TryGetDouble(out number) && double.IsFinite(number);

    /// <summary>A dictionary entry of string value under <paramref name="utf8Prefix"/> + <paramref name="key"/>.</summary>
    public static void WriteEntry<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, string key, string? value) where TSink : struct, IAttributeSink
    {
        if (value is not null)
        {
            AttributeKeys.Write(ref sink, utf8Prefix, key, AttributeValue.FromString(value));
        }
    }

    /// <summary>A dictionary entry of boolean value.</summary>
    public static void WriteEntry<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, string key, bool value) where TSink : struct, IAttributeSink
        => AttributeKeys.Write(ref sink, utf8Prefix, key, AttributeValue.FromBool(value));

    /// <summary>A dictionary entry of integer value.</summary>
    public static void WriteEntry<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, string key, long value) where TSink : struct, IAttributeSink
        => AttributeKeys.Write(ref sink, utf8Prefix, key, AttributeValue.FromInt(value));

    /// <summary>A dictionary entry of unsigned 64-bit value (a decimal string above <see cref="long.MaxValue"/>,
    /// which allocates that string).</summary>
    public static void WriteEntry<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, string key, ulong value) where TSink : struct, IAttributeSink
        => AttributeKeys.Write(
            ref sink,
            utf8Prefix,
            key,
            value <= long.MaxValue ? AttributeValue.FromInt((long)value) : AttributeValue.FromString(value.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A dictionary entry of double value.</summary>
    public static void WriteEntry<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, string key, double value) where TSink : struct, IAttributeSink
        => AttributeKeys.Write(ref sink, utf8Prefix, key, AttributeValue.FromDouble(value));

    /// <summary>A dictionary entry of <see cref="float"/> value, widened through its shortest text.</summary>
    public static void WriteEntry<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, string key, float value) where TSink : struct, IAttributeSink
        => AttributeKeys.Write(ref sink, utf8Prefix, key, AttributeValue.FromDouble(Widen(value)));

    /// <summary>A dictionary entry of <see cref="JsonElement"/> value, mapped as
    /// <see cref="Write{TSink}(ref TSink, ReadOnlySpan{byte}, JsonElement)"/>.</summary>
    public static void WriteEntry<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, string key, JsonElement value) where TSink : struct, IAttributeSink
    {
        ArgumentNullException.ThrowIfNull(key);
        int max = utf8Prefix.Length + System.Text.Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= StackChars ? stackalloc byte[StackChars] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            utf8Prefix.CopyTo(buffer);
            int length = utf8Prefix.Length + System.Text.Encoding.UTF8.GetBytes(key, buffer[utf8Prefix.Length..]);
            Write(ref sink, buffer[..length], value);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static double Widen(float value)
    {
        if (!float.IsFinite(value))
        {
            return value;
        }

        Span<char> chars = stackalloc char[32];
        value.TryFormat(chars, out int length, "R", CultureInfo.InvariantCulture);
        return double.Parse(chars[..length], NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>A string element as an attribute (or an array item), from its unescaped UTF-8.</summary>
    private static void WriteString<TSink>(ref TSink sink, ReadOnlySpan<byte> key, JsonElement value, bool asArrayItem = false)
        where TSink : struct, IAttributeSink
    {
        ReadOnlySpan<byte> quoted = JsonMarshal.GetRawUtf8Value(value);
        ReadOnlySpan<byte> unquoted = quoted[1..^1];
        if (unquoted.IndexOf((byte)'\\') < 0)
        {
            Emit(ref sink, key, unquoted, asArrayItem);
            return;
        }

        WriteEscapedString(ref sink, key, quoted, asArrayItem);
    }

    /// <summary>A string element that holds escape sequences, unescaped first. A method of its own, so that the
    /// common case (no escapes) does not pay for clearing a <see cref="Utf8JsonReader"/>: a large struct holding
    /// references, cleared on entry to every call of a method that declares one.</summary>
    private static void WriteEscapedString<TSink>(ref TSink sink, ReadOnlySpan<byte> key, ReadOnlySpan<byte> quoted, bool asArrayItem)
        where TSink : struct, IAttributeSink
    {
        // Unescaped text is never longer than its escaped form.
        byte[]? rented = null;
        Span<byte> buffer = quoted.Length <= StackChars ? stackalloc byte[StackChars] : (rented = ArrayPool<byte>.Shared.Rent(quoted.Length));
        try
        {
            var reader = new Utf8JsonReader(quoted);
            reader.Read();
            int length = reader.CopyString(buffer);
            Emit(ref sink, key, buffer[..length], asArrayItem);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void Emit<TSink>(ref TSink sink, ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8, bool asArrayItem)
        where TSink : struct, IAttributeSink
    {
        if (asArrayItem)
        {
            WriteUtf8ArrayItem(ref sink, utf8);
        }
        else
        {
            sink.WriteUtf8(key, utf8);
        }
    }

    private static void WriteUtf8ArrayItem<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8) where TSink : struct, IAttributeSink
    {
        // Array items take characters only; transcoding on the stack keeps short items allocation-free.
        int max = System.Text.Encoding.UTF8.GetMaxCharCount(utf8.Length);
        char[]? rented = null;
        Span<char> chars = max <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(max));
        try
        {
            int length = System.Text.Encoding.UTF8.GetChars(utf8, chars);
            sink.WriteArrayItem(chars[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}

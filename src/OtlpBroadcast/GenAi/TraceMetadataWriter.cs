using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>
/// Writes the custom keys of a <see cref="TraceField"/> as <c>trace.metadata.&lt;key&gt;</c> attributes with typed
/// values: strings, booleans, integers (int64), doubles; nested objects flattened with dots
/// (<c>trace.metadata.team.name</c>); arrays as OTLP arrays (objects or arrays inside an array as JSON text);
/// <c>null</c> writes nothing.
/// </summary>
public static class TraceMetadataWriter
{
    /// <summary>The prefix of every metadata attribute.</summary>
    public static ReadOnlySpan<byte> Prefix => "trace.metadata."u8;

    /// <summary>
    /// Writes the metadata; returns how many entries were cut by <paramref name="maxEntries"/>, left out because their
    /// key repeats one already written, or left out because a key or string escapes a lone surrogate
    /// (<paramref name="maxDepth"/> cuts nothing: nesting below it is written as JSON text instead).
    /// </summary>
    public static int Write<TSink>(ref TSink sink, IDictionary<string, JsonElement>? metadata, int maxEntries = 64, int maxDepth = 4)
        where TSink : struct, IAttributeSink
    {
        if (metadata is null || metadata.Count == 0)
        {
            return 0;
        }

        // Keys in ordinal order, sorted on the stack (in a pooled array past 16 entries): this runs for every span
        // of every request, and LINQ's OrderBy allocated several objects per call. A static lambda, not an
        // IComparer: sorting with a comparer object allocates a delegate to its Compare method on every call.
        KeyValuePair<string, JsonElement>[]? rentedEntries = null;
        SmallEntries small = default;
        Span<KeyValuePair<string, JsonElement>> entries = metadata.Count <= SmallEntries.Length
            ? small
            : rentedEntries = ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Rent(metadata.Count);
        int count = Copy(metadata, entries);
        entries = entries[..count];
        entries.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));

        var state = new State
        {
            Remaining = maxEntries,
            MaxDepth = maxDepth,
            Key = ArrayPool<byte>.Shared.Rent(256),
            Written = ArrayPool<byte>.Shared.Rent(256),
            WrittenEnds = ArrayPool<int>.Shared.Rent(Math.Clamp(maxEntries, 1, 64)),
        };
        Prefix.CopyTo(state.Key);
        try
        {
            foreach (KeyValuePair<string, JsonElement> entry in entries)
            {
                WriteValue(ref sink, ref state, Append(ref state, Prefix.Length, entry.Key), entry.Value, depth: 1);
            }

            return state.Cut;
        }
        finally
        {
            // The buffers may have grown into other rented arrays: return the ones held now.
            ArrayPool<byte>.Shared.Return(state.Key);
            ArrayPool<byte>.Shared.Return(state.Written);
            ArrayPool<int>.Shared.Return(state.WrittenEnds);
            if (rentedEntries is not null)
            {
                ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Return(rentedEntries, clearArray: true);
            }
        }
    }

    private static int Copy(IDictionary<string, JsonElement> metadata, Span<KeyValuePair<string, JsonElement>> entries)
    {
        int count = 0;
        if (metadata is Dictionary<string, JsonElement> dictionary)
        {
            // The concrete type's struct enumerator: enumerating through the interface would box it.
            foreach (KeyValuePair<string, JsonElement> entry in dictionary)
            {
                entries[count++] = entry;
            }

            return count;
        }

        foreach (KeyValuePair<string, JsonElement> entry in metadata)
        {
            if (count == entries.Length)
            {
                break;
            }

            entries[count++] = entry;
        }

        return count;
    }

    /// <summary>Writes <paramref name="value"/> under the key held in the first <paramref name="keyLength"/> bytes of
    /// the state's key buffer.</summary>
    private static void WriteValue<TSink>(ref TSink sink, ref State state, int keyLength, JsonElement value, int depth)
        where TSink : struct, IAttributeSink
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return;
            case JsonValueKind.Object when depth < state.MaxDepth:
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    // JSON can escape a lone surrogate (\ud800), which System.Text.Json refuses to turn into text: such
                    // an entry is left out and counted, rather than failing the whole generation.
                    if (IsReadable(JsonMarshal.GetRawUtf8PropertyName(property)))
                    {
                        WriteValue(ref sink, ref state, Append(ref state, keyLength, property), property.Value, depth + 1);
                    }
                    else
                    {
                        state.Cut++;
                    }
                }

                return;
        }

        // A key already written (a nested object repeating a key, or "a.b" beside {"a":{"b":…}}) would repeat an
        // attribute key, which OTLP does not allow: the first one is kept. A string escaping a lone surrogate is left
        // out like a key that does.
        if (state.Remaining <= 0 || WasWritten(ref state, keyLength) || !IsReadable(value))
        {
            state.Cut++;
            return;
        }

        state.Remaining--;
        Remember(ref state, keyLength);
        ReadOnlySpan<byte> key = state.Key.AsSpan(0, keyLength);
        if (value.ValueKind == JsonValueKind.Array)
        {
            sink.Write(key, AttributeValue.FromArray([.. value.EnumerateArray().Select(ToArrayItem)]));
        }
        else if (value.ValueKind == JsonValueKind.Number && !value.TryGetInt64(out _) && !value.TryGetDouble(out _))
        {
            // Beyond a double (1e400): kept as written.
            sink.WriteUtf8(key, JsonMarshal.GetRawUtf8Value(value));
        }
        else
        {
            // Strings, numbers and booleans as themselves, written from the element's UTF-8 (no string is made);
            // an object below the depth limit as its JSON text.
            GeneratedAttributeWriter.Write(ref sink, key, value);
        }
    }

    private static AttributeValue ToArrayItem(JsonElement item) => item.ValueKind switch
    {
        JsonValueKind.String => item.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => item.TryGetInt64(out long integer) ? AttributeValue.FromInt(integer)
            : item.TryGetDouble(out double number) ? AttributeValue.FromDouble(number)
            : item.GetRawText(), // beyond a double (1e400): kept as written
        JsonValueKind.Null => AttributeValue.FromString(string.Empty),
        _ => item.GetRawText(),
    };

    /// <summary>Whether a string, or every string item of an array, can be read as text.</summary>
    private static bool IsReadable(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return IsReadable(JsonMarshal.GetRawUtf8Value(value));
            case JsonValueKind.Array:
                foreach (JsonElement item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && !IsReadable(JsonMarshal.GetRawUtf8Value(item)))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// Whether JSON string text (as written, quoted or not) escapes only whole surrogate pairs: a high surrogate
    /// escape followed at once by a low one. The document's unescaped UTF-8 was already validated by the parser, so
    /// only escapes can make a lone surrogate. Reads the text without unescaping it (nothing is allocated).
    /// </summary>
    private static bool IsReadable(ReadOnlySpan<byte> text)
    {
        int escape = text.IndexOf((byte)'\\');
        if (escape < 0)
        {
            return true;
        }

        bool expectLow = false;
        for (int i = escape; i < text.Length; i++)
        {
            if (text[i] != (byte)'\\')
            {
                if (expectLow)
                {
                    return false;
                }

                continue;
            }

            if (text[i + 1] != (byte)'u')
            {
                if (expectLow)
                {
                    return false;
                }

                i++;
                continue;
            }

            int unit = int.Parse(text.Slice(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            i += 5;
            bool low = unit is >= 0xDC00 and <= 0xDFFF;
            if (low != expectLow)
            {
                // A low surrogate without a high one before it, or a high one not followed by a low one.
                return false;
            }

            expectLow = unit is >= 0xD800 and <= 0xDBFF;
        }

        return !expectLow;
    }

    private static bool WasWritten(ref State state, int keyLength)
    {
        ReadOnlySpan<byte> key = state.Key.AsSpan(0, keyLength);
        int start = 0;
        for (int i = 0; i < state.WrittenCount; i++)
        {
            int end = state.WrittenEnds[i];
            if (state.Written.AsSpan(start, end - start).SequenceEqual(key))
            {
                return true;
            }

            start = end;
        }

        return false;
    }

    /// <summary>Adds the current key to those written.</summary>
    private static void Remember(ref State state, int keyLength)
    {
        if (state.WrittenCount == state.WrittenEnds.Length)
        {
            int[] more = ArrayPool<int>.Shared.Rent(state.WrittenCount * 2);
            state.WrittenEnds.AsSpan(0, state.WrittenCount).CopyTo(more);
            ArrayPool<int>.Shared.Return(state.WrittenEnds);
            state.WrittenEnds = more;
        }

        int start = state.WrittenCount == 0 ? 0 : state.WrittenEnds[state.WrittenCount - 1];
        if (start + keyLength > state.Written.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent((start + keyLength) * 2);
            state.Written.AsSpan(0, start).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(state.Written);
            state.Written = larger;
        }

        state.Key.AsSpan(0, keyLength).CopyTo(state.Written.AsSpan(start));
        state.WrittenEnds[state.WrittenCount++] = start + keyLength;
    }

    /// <summary>Appends a dictionary key to the key held in the first <paramref name="keyLength"/> bytes (in UTF-8;
    /// lone surrogates become U+FFFD); returns the new length.</summary>
    private static int Append(ref State state, int keyLength, string name)
    {
        int at = StartSegment(ref state, keyLength, System.Text.Encoding.UTF8.GetMaxByteCount(name.Length));
        return at + System.Text.Encoding.UTF8.GetBytes(name, state.Key.AsSpan(at));
    }

    /// <summary>Appends a nested property's name, from the document's UTF-8 (unescaped through a string only when it
    /// holds escape sequences); returns the new length.</summary>
    private static int Append(ref State state, int keyLength, JsonProperty property)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') >= 0)
        {
            return Append(ref state, keyLength, property.Name);
        }

        int at = StartSegment(ref state, keyLength, raw.Length);
        raw.CopyTo(state.Key.AsSpan(at));
        return at + raw.Length;
    }

    /// <summary>Makes room for a segment of up to <paramref name="segmentBytes"/> bytes after the key and a dot
    /// (no dot right after <see cref="Prefix"/>, which ends with one); returns where the segment starts.</summary>
    private static int StartSegment(ref State state, int keyLength, int segmentBytes)
    {
        int needed = keyLength + 1 + segmentBytes;
        if (needed > state.Key.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(needed * 2);
            state.Key.AsSpan(0, keyLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(state.Key);
            state.Key = larger;
        }

        if (keyLength > Prefix.Length)
        {
            state.Key[keyLength++] = (byte)'.';
        }

        return keyLength;
    }

    private struct State
    {
        public int Remaining;
        public int Cut;
        public int MaxDepth;

        /// <summary><see cref="Prefix"/> followed by the path of the value being written, in UTF-8.</summary>
        public byte[] Key;

        /// <summary>The keys written so far, end to end; <see cref="WrittenEnds"/> says where each ends.</summary>
        public byte[] Written;
        public int[] WrittenEnds;
        public int WrittenCount;
    }

    /// <summary>Room for the entries of most metadata, on the stack.</summary>
    [InlineArray(Length)]
    private struct SmallEntries
    {
        public const int Length = 16;

        private KeyValuePair<string, JsonElement> _first;
    }
}

using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

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

    /// <summary>The longest key written by default, in characters after <see cref="Prefix"/> (a nested key with its
    /// dots). A key is the caller's text like a value, but cannot be cut (two keys would meet): an entry with a longer
    /// key is left out, so that one huge key cannot make every span of the request too large to send.</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>
    /// Writes the metadata; returns how many entries were cut by <paramref name="maxEntries"/>, left out because their
    /// key is longer than <paramref name="maxKeyLength"/> characters (after <see cref="Prefix"/>) or repeats one
    /// already written, or left out because a key or string escapes a lone surrogate (<paramref name="maxDepth"/> cuts
    /// nothing: nesting below it is written as JSON text instead).
    /// </summary>
    public static int Write<TSink>(
        ref TSink sink, IDictionary<string, JsonElement>? metadata, int maxEntries = 64, int maxDepth = 4, int maxKeyLength = MaxKeyLength)
        where TSink : struct, IAttributeSink
    {
        if (metadata is null || metadata.Count == 0)
        {
            return 0;
        }

        // Keys in ordinal order. This runs for every span of every request: the entries are copied to the stack (to
        // a pooled array past 16 entries) and a few are ordered through an index, so that sorting moves no
        // references (each reference written through a span costs a write barrier).
        KeyValuePair<string, JsonElement>[]? rentedEntries = null;
        SmallEntries small = default;
        Span<KeyValuePair<string, JsonElement>> entries = metadata.Count <= SmallEntries.Length
            ? small
            : rentedEntries = ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Rent(metadata.Count);
        entries = entries[..Copy(metadata, entries)];
        Span<byte> order = stackalloc byte[SmallEntries.Length];
        order = OrderByKey(entries, order);

        var state = new State { Remaining = maxEntries, MaxDepth = maxDepth, MaxKeyLength = maxKeyLength, Key = stackalloc byte[KeyBytesOnStack] };
        Prefix.CopyTo(state.Key);
        try
        {
            for (int i = 0; i < entries.Length; i++)
            {
                ref readonly KeyValuePair<string, JsonElement> entry = ref entries[order.IsEmpty ? i : order[i]];
                WriteValue(ref sink, ref state, Append(ref state, Prefix.Length, entry.Key, nested: false), entry.Value, depth: 1);
            }

            return state.Cut;
        }
        finally
        {
            state.ReturnRented();
            if (rentedEntries is not null)
            {
                ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Return(rentedEntries, clearArray: true);
            }
        }
    }

    /// <summary>
    /// Orders <paramref name="entries"/> by key (ordinal). A few entries are ordered through <paramref name="order"/>,
    /// which is returned holding their indexes; many are sorted in place, and an empty order is returned.
    /// </summary>
    private static Span<byte> OrderByKey(Span<KeyValuePair<string, JsonElement>> entries, Span<byte> order)
    {
        if (entries.Length > order.Length)
        {
            // A static lambda, not an IComparer: sorting with a comparer object allocates a delegate to its Compare
            // method on every call.
            entries.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
            return [];
        }

        // Insertion sort of indexes: a handful of keys, compared directly rather than through a delegate.
        order = order[..entries.Length];
        for (int i = 0; i < order.Length; i++)
        {
            byte index = (byte)i;
            int j = i - 1;
            while (j >= 0 && string.CompareOrdinal(entries[order[j]].Key, entries[index].Key) > 0)
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = index;
        }

        return order;
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
    /// <remarks>This runs for every entry of every request's metadata, so each element is asked for its kind and its
    /// text once: a string without escape sequences (nearly all of them) is written straight from the document's
    /// UTF-8. The parser does not check the UTF-8 inside strings; the sinks replace invalid sequences with U+FFFD
    /// (<c>InvalidUtf8InAStringBecomesReplacementCharacters</c>).</remarks>
    private static void WriteValue<TSink>(ref TSink sink, ref State state, int keyLength, JsonElement value, int depth)
        where TSink : struct, IAttributeSink
    {
        JsonValueKind kind = value.ValueKind;
        switch (kind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return;
            case JsonValueKind.Object when depth < state.MaxDepth:
                // From here on a key can repeat one written before (a nested object repeating a key, or "a.b" beside
                // {"a":{"b":…}}): keys are remembered. Before the first object none can, unless a top-level key held a
                // lone surrogate (Append turns tracking on then): the dictionary's keys are distinct, and a flattened
                // key "p.q" sorts after its object "p", so it cannot have been written before.
                state.Tracking = true;
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
        // attribute key, which OTLP does not allow: the first one is kept.
        if (state.Remaining <= 0 || IsTooLong(ref state, keyLength) || (state.Tracking && WasWritten(ref state, keyLength)))
        {
            state.Cut++;
            return;
        }

        ReadOnlySpan<byte> key = state.Key[..keyLength];
        ReadOnlySpan<byte> raw = default;
        bool escaped = false;
        if (kind is JsonValueKind.String)
        {
            raw = JsonMarshal.GetRawUtf8Value(value);
            escaped = raw.IndexOf((byte)'\\') >= 0;

            // A string escaping a lone surrogate is left out and counted, like a key that does.
            if (escaped && !IsReadable(raw))
            {
                state.Cut++;
                return;
            }
        }
        else if (kind is JsonValueKind.Array && !IsReadable(value))
        {
            state.Cut++;
            return;
        }

        state.Remaining--;
        if (state.Tracking)
        {
            Remember(ref state, keyLength);
        }

        // Past here the entry counts. Strings without escapes, numbers and arrays are written here; escaped strings,
        // booleans and objects at the depth limit by GeneratedAttributeWriter (the default case).
        switch (kind)
        {
            case JsonValueKind.String when !escaped:
                // Without escapes the text between the quotes is the string itself.
                sink.WriteUtf8(key, raw[1..^1]);
                break;
            case JsonValueKind.Number:
                if (value.TryGetInt64(out long integer))
                {
                    sink.Write(key, integer);
                }
                else if (GeneratedAttributeWriter.TryGetFiniteDouble(value, out double number))
                {
                    sink.Write(key, number);
                }
                else
                {
                    // Beyond a double (1e400): kept as written.
                    sink.WriteUtf8(key, JsonMarshal.GetRawUtf8Value(value));
                }

                break;
            case JsonValueKind.Array:
                sink.Write(key, AttributeValue.FromArray([.. value.EnumerateArray().Select(ToArrayItem)]));
                break;
            default:
                // Escaped strings (unescaped without making a string) and booleans; an object at the depth limit as
                // its JSON text.
                GeneratedAttributeWriter.Write(ref sink, key, value, kind);
                break;
        }
    }

    private static AttributeValue ToArrayItem(JsonElement item) => item.ValueKind switch
    {
        JsonValueKind.String => item.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => item.TryGetInt64(out long integer) ? AttributeValue.FromInt(integer)
            : GeneratedAttributeWriter.TryGetFiniteDouble(item, out double number) ? AttributeValue.FromDouble(number)
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
    /// escape followed at once by a low one. Only escapes can make a lone surrogate (invalid UTF-8 between them is
    /// replaced by the sinks, not refused). Reads the text without unescaping it (nothing is allocated).
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

    /// <summary>Whether the key, after the prefix, has more characters than the limit. UTF-8 has at least as many bytes
    /// as characters: only a long key is decoded to count them.</summary>
    private static bool IsTooLong(ref State state, int keyLength)
    {
        ReadOnlySpan<byte> path = state.Key[Prefix.Length..keyLength];
        return path.Length > state.MaxKeyLength && System.Text.Encoding.UTF8.GetCharCount(path) > state.MaxKeyLength;
    }

    private static bool WasWritten(ref State state, int keyLength)
    {
        ReadOnlySpan<byte> key = state.Key[..keyLength];
        int start = 0;
        for (int i = 0; i < state.WrittenCount; i++)
        {
            int end = state.WrittenEnds![i];
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
        state.WrittenEnds ??= ArrayPool<int>.Shared.Rent(16);
        state.Written ??= ArrayPool<byte>.Shared.Rent(256);
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

        state.Key[..keyLength].CopyTo(state.Written.AsSpan(start));
        state.WrittenEnds[state.WrittenCount++] = start + keyLength;
    }

    /// <summary>Appends a dictionary key (a nested one after a dot) to the key held in the first
    /// <paramref name="keyLength"/> bytes (in UTF-8; lone surrogates become U+FFFD); returns the new length.</summary>
    private static int Append(ref State state, int keyLength, string name, bool nested)
    {
        int at = StartSegment(ref state, keyLength, System.Text.Encoding.UTF8.GetMaxByteCount(name.Length), nested);
        if (name.Length <= ShortAscii.MaxLength && ShortAscii.TryNarrow(name, state.Key[at..]))
        {
            return at + name.Length;
        }

        // Without replacement the transcoder stops at a lone surrogate (a high one at the very end too: the text is a
        // final block) and says InvalidData; the room is enough for the whole key, so nothing else stops it.
        if (Utf8.FromUtf16(name, state.Key[at..], out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            // A lone surrogate: it becomes U+FFFD, so two distinct keys can meet, and from here on keys are remembered.
            // The second pass writes the whole key again over what the first left.
            state.Tracking = true;
            Utf8.FromUtf16(name, state.Key[at..], out _, out written, replaceInvalidSequences: true);
        }

        return at + written;
    }

    /// <summary>Appends a nested property's name, from the document's UTF-8 (unescaped through a string only when it
    /// holds escape sequences); returns the new length.</summary>
    private static int Append(ref State state, int keyLength, JsonProperty property)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') >= 0)
        {
            return Append(ref state, keyLength, property.Name, nested: true);
        }

        int at = StartSegment(ref state, keyLength, raw.Length, nested: true);
        raw.CopyTo(state.Key[at..]);
        return at + raw.Length;
    }

    /// <summary>Makes room for a segment of up to <paramref name="segmentBytes"/> bytes after the key and, for a
    /// nested segment, a dot (a top-level key follows <see cref="Prefix"/>, which ends with one); returns where the
    /// segment starts. The dot depends on the nesting, not on the key's length: under an empty top-level key, a
    /// nested <c>a</c> is <c>trace.metadata..a</c>, not the caller's own top-level <c>a</c>.</summary>
    private static int StartSegment(ref State state, int keyLength, int segmentBytes, bool nested)
    {
        int needed = keyLength + 1 + segmentBytes;
        if (needed > state.Key.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(needed * 2);
            state.Key[..keyLength].CopyTo(larger);
            if (state.RentedKey is not null)
            {
                ArrayPool<byte>.Shared.Return(state.RentedKey);
            }

            state.RentedKey = larger;
            state.Key = larger;
        }

        if (nested)
        {
            state.Key[keyLength++] = (byte)'.';
        }

        return keyLength;
    }

    private ref struct State
    {
        public int Remaining;
        public int Cut;
        public int MaxDepth;
        public int MaxKeyLength;

        /// <summary><see cref="Prefix"/> followed by the path of the value being written, in UTF-8: on the stack, or
        /// in <see cref="RentedKey"/> once a long path outgrew it.</summary>
        public Span<byte> Key;
        public byte[]? RentedKey;

        /// <summary>Whether keys written are remembered to refuse a repeated one: set at the first nested object
        /// (<c>WriteValue</c>) and at the first key with a lone surrogate (<c>Append</c>).</summary>
        public bool Tracking;

        /// <summary>The keys written since tracking began, end to end; <see cref="WrittenEnds"/> says where each ends.
        /// Rented at the first key remembered.</summary>
        public byte[]? Written;
        public int[]? WrittenEnds;
        public int WrittenCount;

        /// <summary>Returns the arrays held now (they may have grown into other rented arrays).</summary>
        public readonly void ReturnRented()
        {
            if (RentedKey is not null)
            {
                ArrayPool<byte>.Shared.Return(RentedKey);
            }

            if (Written is not null)
            {
                ArrayPool<byte>.Shared.Return(Written);
            }

            if (WrittenEnds is not null)
            {
                ArrayPool<int>.Shared.Return(WrittenEnds);
            }
        }
    }

    /// <summary>Room on the stack for the keys of most metadata, in UTF-8 after the prefix.</summary>
    private const int KeyBytesOnStack = 256;

    /// <summary>Room for the entries of most metadata, on the stack.</summary>
    [InlineArray(Length)]
    private struct SmallEntries
    {
        public const int Length = 16;

        private KeyValuePair<string, JsonElement> _first;
    }
}

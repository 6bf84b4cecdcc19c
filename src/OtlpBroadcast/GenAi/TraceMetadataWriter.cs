using System.Buffers;
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
    /// Writes the metadata; returns how many entries were cut by <paramref name="maxEntries"/> or
    /// <paramref name="maxDepth"/> (nesting below it is written as JSON text instead, and not counted as cut).
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

        var state = new State { Remaining = maxEntries, MaxDepth = maxDepth, Key = ArrayPool<byte>.Shared.Rent(256) };
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
            // The key may have grown into another rented array: return the one held now.
            ArrayPool<byte>.Shared.Return(state.Key);
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
                    WriteValue(ref sink, ref state, Append(ref state, keyLength, property), property.Value, depth + 1);
                }

                return;
        }

        if (state.Remaining <= 0)
        {
            state.Cut++;
            return;
        }

        state.Remaining--;
        ReadOnlySpan<byte> key = state.Key.AsSpan(0, keyLength);
        if (value.ValueKind == JsonValueKind.Array)
        {
            sink.Write(key, AttributeValue.FromArray([.. value.EnumerateArray().Select(ToArrayItem)]));
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
        JsonValueKind.Number => item.TryGetInt64(out long integer) ? AttributeValue.FromInt(integer) : AttributeValue.FromDouble(item.GetDouble()),
        JsonValueKind.Null => AttributeValue.FromString(string.Empty),
        _ => item.GetRawText(),
    };

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
    }

    /// <summary>Room for the entries of most metadata, on the stack.</summary>
    [InlineArray(Length)]
    private struct SmallEntries
    {
        public const int Length = 16;

        private KeyValuePair<string, JsonElement> _first;
    }
}

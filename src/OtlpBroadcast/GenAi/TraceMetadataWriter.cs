using System.Buffers;
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

        // Keys in ordinal order, sorted in a pooled array: this runs for every span of every request, and LINQ's
        // OrderBy allocated several objects per call.
        KeyValuePair<string, JsonElement>[] entries = ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Rent(metadata.Count);
        int count = Copy(metadata, entries);
        entries.AsSpan(0, count).Sort(ByKey.Instance);
        var state = new State
        {
            Remaining = maxEntries,
            MaxDepth = maxDepth,
            Path = ArrayPool<char>.Shared.Rent(256),
            Written = ArrayPool<char>.Shared.Rent(256),
            WrittenEnds = ArrayPool<int>.Shared.Rent(Math.Clamp(maxEntries, 1, 64)),
        };
        try
        {
            for (int i = 0; i < count; i++)
            {
                WriteValue(ref sink, ref state, 0, entries[i].Key, entries[i].Value, depth: 1);
            }

            return state.Cut;
        }
        finally
        {
            // The buffers may have grown into other rented arrays: return the ones held now.
            ArrayPool<char>.Shared.Return(state.Path);
            ArrayPool<char>.Shared.Return(state.Written);
            ArrayPool<int>.Shared.Return(state.WrittenEnds);
            ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Return(entries, clearArray: true);
        }
    }

    private static int Copy(IDictionary<string, JsonElement> metadata, KeyValuePair<string, JsonElement>[] entries)
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

    private static void WriteValue<TSink>(ref TSink sink, ref State state, int pathLength, string key, JsonElement value, int depth)
        where TSink : struct, IAttributeSink
    {
        int length = Append(ref state, pathLength, key);
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return;
            case JsonValueKind.Object when depth < state.MaxDepth:
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    if (TryGetName(property, out string? name))
                    {
                        WriteValue(ref sink, ref state, length, name, property.Value, depth + 1);
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
        if (state.Remaining <= 0 || WasWritten(ref state, length) || !TryToAttributeValue(value, out AttributeValue attribute))
        {
            state.Cut++;
            return;
        }

        state.Remaining--;
        Remember(ref state, length);
        AttributeKeys.Write(ref sink, Prefix, state.Path.AsSpan(0, length), attribute);
    }

    private static bool WasWritten(ref State state, int length)
    {
        ReadOnlySpan<char> path = state.Path.AsSpan(0, length);
        int start = 0;
        for (int i = 0; i < state.WrittenCount; i++)
        {
            int end = state.WrittenEnds[i];
            if (state.Written.AsSpan(start, end - start).SequenceEqual(path))
            {
                return true;
            }

            start = end;
        }

        return false;
    }

    /// <summary>Adds the current path to those written.</summary>
    private static void Remember(ref State state, int length)
    {
        if (state.WrittenCount == state.WrittenEnds.Length)
        {
            int[] more = ArrayPool<int>.Shared.Rent(state.WrittenCount * 2);
            state.WrittenEnds.AsSpan(0, state.WrittenCount).CopyTo(more);
            ArrayPool<int>.Shared.Return(state.WrittenEnds);
            state.WrittenEnds = more;
        }

        int start = state.WrittenCount == 0 ? 0 : state.WrittenEnds[state.WrittenCount - 1];
        if (start + length > state.Written.Length)
        {
            char[] larger = ArrayPool<char>.Shared.Rent((start + length) * 2);
            state.Written.AsSpan(0, start).CopyTo(larger);
            ArrayPool<char>.Shared.Return(state.Written);
            state.Written = larger;
        }

        state.Path.AsSpan(0, length).CopyTo(state.Written.AsSpan(start));
        state.WrittenEnds[state.WrittenCount++] = start + length;
    }

    // JSON can escape a lone surrogate (\ud800), which System.Text.Json refuses to turn into a string: such an entry is
    // left out and counted, rather than failing the whole generation.
    private static bool TryGetName(JsonProperty property, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = null;
            return false;
        }
    }

    private static bool TryToAttributeValue(JsonElement value, out AttributeValue attribute)
    {
        try
        {
            attribute = ToAttributeValue(value);
            return true;
        }
        catch (InvalidOperationException)
        {
            attribute = default;
            return false;
        }
    }

    private static AttributeValue ToAttributeValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.TryGetInt64(out long integer) ? AttributeValue.FromInt(integer)
            : value.TryGetDouble(out double number) ? AttributeValue.FromDouble(number)
            : value.GetRawText(), // beyond a double (1e400): kept as written
        JsonValueKind.Array => AttributeValue.FromArray([.. value.EnumerateArray().Select(ToArrayItem)]),
        _ => value.GetRawText(),
    };

    private static AttributeValue ToArrayItem(JsonElement item) => item.ValueKind switch
    {
        JsonValueKind.Object or JsonValueKind.Array => item.GetRawText(),
        JsonValueKind.Null => AttributeValue.FromString(string.Empty),
        _ => ToAttributeValue(item),
    };

    private static int Append(ref State state, int pathLength, string key)
    {
        int needed = pathLength + 1 + key.Length;
        if (needed > state.Path.Length)
        {
            char[] larger = ArrayPool<char>.Shared.Rent(needed * 2);
            state.Path.AsSpan(0, pathLength).CopyTo(larger);
            ArrayPool<char>.Shared.Return(state.Path);
            state.Path = larger;
        }

        if (pathLength > 0)
        {
            state.Path[pathLength++] = '.';
        }

        key.CopyTo(state.Path.AsSpan(pathLength));
        return pathLength + key.Length;
    }

    private struct State
    {
        public int Remaining;
        public int Cut;
        public int MaxDepth;
        public char[] Path;

        /// <summary>The paths written so far, end to end; <see cref="WrittenEnds"/> says where each ends.</summary>
        public char[] Written;
        public int[] WrittenEnds;
        public int WrittenCount;
    }

    private sealed class ByKey : IComparer<KeyValuePair<string, JsonElement>>
    {
        public static readonly ByKey Instance = new();

        public int Compare(KeyValuePair<string, JsonElement> x, KeyValuePair<string, JsonElement> y) => string.CompareOrdinal(x.Key, y.Key);
    }
}

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

    // A Comparison, not an IComparer: sorting a span with a comparer object makes a delegate of it on every call.
    private static readonly Comparison<KeyValuePair<string, JsonElement>> ByKey = static (x, y) => string.CompareOrdinal(x.Key, y.Key);

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
        entries.AsSpan(0, count).Sort(ByKey);

        // The key of every attribute is built in one UTF-8 buffer that starts with the prefix, so a value is written
        // under its path with no conversion of its own.
        var state = new State { Remaining = maxEntries, MaxDepth = maxDepth, Path = ArrayPool<byte>.Shared.Rent(256) };
        Prefix.CopyTo(state.Path);
        try
        {
            for (int i = 0; i < count; i++)
            {
                WriteValue(ref sink, ref state, Prefix.Length, entries[i].Key, entries[i].Value, depth: 1);
            }

            return state.Cut;
        }
        finally
        {
            // The path may have grown into another rented array: return the one held now.
            ArrayPool<byte>.Shared.Return(state.Path);
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
                    WriteValue(ref sink, ref state, length, property.Name, property.Value, depth + 1);
                }

                return;
        }

        if (state.Remaining <= 0)
        {
            state.Cut++;
            return;
        }

        state.Remaining--;

        // Strings, numbers (int64 when integral), booleans, arrays; an object below the depth limit as its JSON text.
        // Strings are written from the element's UTF-8 bytes: no string is made for them.
        GeneratedAttributeWriter.Write(ref sink, state.Path.AsSpan(0, length), value);
    }

    /// <summary>Appends <c>.key</c> (just <c>key</c> right after the prefix) to the path; returns its new length.</summary>
    private static int Append(ref State state, int pathLength, string key)
    {
        int needed = pathLength + 1 + System.Text.Encoding.UTF8.GetMaxByteCount(key.Length);
        if (needed > state.Path.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(needed * 2);
            state.Path.AsSpan(0, pathLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(state.Path);
            state.Path = larger;
        }

        if (pathLength > Prefix.Length)
        {
            state.Path[pathLength++] = (byte)'.';
        }

        // Lone surrogates become U+FFFD, as for every key given as a .NET string.
        return pathLength + System.Text.Encoding.UTF8.GetBytes(key, state.Path.AsSpan(pathLength));
    }

    private struct State
    {
        public int Remaining;
        public int Cut;
        public int MaxDepth;
        public byte[] Path;
    }
}

using System.Collections.Concurrent;

namespace OtlpBroadcast;

/// <summary>
/// The span names built from parts (<c>chat openai/gpt-4o</c>, <c>attempt openai</c>, <c>chat request</c>), made once
/// and reused: a service asks for the same few models and providers all day, and concatenating the name for every
/// request allocated a string each time. The cache is bounded (models come from requests), and names of unusual
/// length are built each time rather than kept.
/// </summary>
internal static class SpanNames
{
    /// <summary>The most names kept; further names are built for each use.</summary>
    internal const int MaxCached = 1024;

    /// <summary>The longest part kept in the cache.</summary>
    internal const int MaxCachedPartLength = 256;

    private static readonly ConcurrentDictionary<(string Prefix, string Suffix), string> Cache = new();

    /// <summary><c>{operation} request</c>, the top span's name without a <c>trace_name</c>.</summary>
    public static string Request(string operation) => Join(operation, "request");

    /// <summary><c>{operation} {model}</c>, the generation's name without a <c>generation_name</c>.</summary>
    public static string Generation(string operation, string model) => Join(operation, model);

    /// <summary><c>attempt {provider}</c>.</summary>
    public static string Attempt(string provider) => Join("attempt", provider);

    private static string Join(string prefix, string suffix)
    {
        if (Cache.TryGetValue((prefix, suffix), out string? name))
        {
            return name;
        }

        name = string.Concat(prefix, " ", suffix);
        if (prefix.Length <= MaxCachedPartLength && suffix.Length <= MaxCachedPartLength && Cache.Count < MaxCached)
        {
            Cache.TryAdd((prefix, suffix), name);
        }

        return name;
    }
}

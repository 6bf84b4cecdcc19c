using OtlpBroadcast.Configuration;

namespace OtlpBroadcast;

/// <summary>How prompt and completion content is carried to a destination (when privacy mode is off).</summary>
public enum ContentFormat
{
    /// <summary>The GenAI semantic conventions' keys: <c>gen_ai.input.messages</c>, <c>gen_ai.output.messages</c>,
    /// <c>gen_ai.system_instructions</c>, <c>gen_ai.tool.definitions</c>.</summary>
    GenAiConventions = 0,

    /// <summary>The hosted router's keys: <c>gen_ai.prompt</c> and <c>gen_ai.completion</c> (JSON strings).</summary>
    RouterCompatible = 1,
}

/// <summary>What a destination receives of each LLM generation: which traces, which generations, which content.</summary>
public sealed class BroadcastSettings
{
    /// <summary>The fraction of traces kept, 0.0001 to 1 (default 1). Decided from the trace id, so every request of a
    /// trace is kept or dropped together, in every process.</summary>
    public double SamplingRate { get; set; } = 1.0;

    /// <summary>The keys content goes under (default: the GenAI conventions').</summary>
    public ContentFormat ContentFormat { get; set; } = ContentFormat.GenAiConventions;

    /// <summary>The longest string value in characters, content or not, array items included (default 32 768); a
    /// longer one is cut (JSON content so that it stays valid JSON), and the cut is counted. 0 means no limit.
    /// <c>user.id</c> and <c>session.id</c> are cut to 128 characters whatever this says.</summary>
    public int MaxContentLength { get; set; } = 32 * 1024;

    /// <summary>Only generations of these models go to the destination (exact names, or prefixes ending in
    /// <c>*</c>, e.g. <c>openai/*</c>); empty means every model.</summary>
    public IList<string> IncludeModels { get; } = new List<string>();

    /// <summary>A further filter in code (e.g. by API key); <see langword="null"/> keeps everything. A filter that
    /// throws keeps that generation from this destination only, and is counted in
    /// <see cref="BroadcasterStatistics.InternalErrors"/>.</summary>
    public Func<GenerationFilterContext, bool>? Filter { get; set; }

    /// <summary>Validates and copies the settings.</summary>
    internal BroadcastSettings Validated(string destination)
    {
        if (!(SamplingRate >= 0.0001 && SamplingRate <= 1.0))
        {
            throw new OtlpConfigurationException($"Destination '{destination}': SamplingRate must be between 0.0001 and 1, not {SamplingRate}.");
        }

        if (MaxContentLength < 0)
        {
            throw new OtlpConfigurationException($"Destination '{destination}': MaxContentLength must be 0 (no limit) or more, not {MaxContentLength}.");
        }

        if (!Enum.IsDefined(ContentFormat))
        {
            throw new OtlpConfigurationException($"Destination '{destination}': ContentFormat {(int)ContentFormat} is not a known format.");
        }

        var copy = new BroadcastSettings
        {
            SamplingRate = SamplingRate,
            ContentFormat = ContentFormat,
            MaxContentLength = MaxContentLength,
            Filter = Filter,
        };
        foreach (string model in IncludeModels)
        {
            if (string.IsNullOrWhiteSpace(model))
            {
                throw new OtlpConfigurationException($"Destination '{destination}': IncludeModels has an empty entry.");
            }

            copy.IncludeModels.Add(model.Trim());
        }

        return copy;
    }

    /// <summary>Whether a generation goes to the destination: sampling by trace id, models, then the filter.</summary>
    internal bool Accepts(TraceId traceId, in GenerationFilterContext context)
    {
        if (SamplingRate < 1.0 && !Sampling.Keeps(traceId, SamplingRate))
        {
            return false;
        }

        if (IncludeModels.Count > 0 && !MatchesModel(context.Model))
        {
            return false;
        }

        return Filter is null || Filter(context);
    }

    private bool MatchesModel(string? model)
    {
        if (model is null)
        {
            return false;
        }

        // Indexed: a foreach over the IList would allocate an enumerator for every generation.
        for (int i = 0; i < IncludeModels.Count; i++)
        {
            string pattern = IncludeModels[i];
            bool matches = pattern.EndsWith('*')
                ? model.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase)
                : string.Equals(model, pattern, StringComparison.OrdinalIgnoreCase);
            if (matches)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>What a destination filter sees of a generation.</summary>
/// <param name="Model">The requested model.</param>
/// <param name="Provider">The provider, when known at completion.</param>
/// <param name="ApiKeyName">The name of the caller's API key, when the host gave one.</param>
/// <param name="User">The caller's user id, if any.</param>
public readonly record struct GenerationFilterContext(string? Model, string? Provider, string? ApiKeyName, string? User);

/// <summary>Deterministic sampling by trace id.</summary>
public static class Sampling
{
    /// <summary>
    /// Whether a trace is kept at <paramref name="rate"/>: the trace id's last 8 bytes, read as an unsigned
    /// big-endian number, are below <c>rate × 2^64</c>. The same trace is kept or dropped everywhere.
    /// </summary>
    public static bool Keeps(TraceId traceId, double rate)
    {
        if (rate >= 1.0)
        {
            return true;
        }

        Span<byte> bytes = stackalloc byte[TraceId.ByteLength];
        traceId.CopyTo(bytes);
        ulong low = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        return low < (ulong)(rate * 18446744073709551615.0);
    }
}

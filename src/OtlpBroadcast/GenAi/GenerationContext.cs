namespace OtlpBroadcast;

/// <summary>What the broadcaster needs to know of a request beyond its annotated DTO.</summary>
public sealed class GenerationContext
{
    /// <summary>The request's <c>trace</c> field, if any.</summary>
    public TraceField? Trace { get; set; }

    /// <summary>The requested model (span names, filters).</summary>
    public string? Model { get; set; }

    /// <summary>The GenAI operation: <c>chat</c> (default), <c>text_completion</c>, <c>embeddings</c>, …</summary>
    public string Operation { get; set; } = "chat";

    /// <summary>The provider (<c>gen_ai.provider.name</c>: <c>openai</c>, <c>anthropic</c>, …), when known up front.</summary>
    public string? Provider { get; set; }

    /// <summary>The end user (<c>user.id</c>, at most 128 characters: a longer id is truncated to 127 characters and
    /// an ellipsis, and counted in <see cref="BroadcasterStatistics.TruncatedValues"/>; the generation is never
    /// rejected for it).</summary>
    public string? User { get; set; }

    /// <summary>The session (<c>session.id</c>, at most 128 characters, truncated like <see cref="User"/>).</summary>
    public string? SessionId { get; set; }

    /// <summary>A name for the caller's API key, for destination filters (never sent).</summary>
    public string? ApiKeyName { get; set; }

    /// <summary>The upstream server's host (<c>server.address</c>).</summary>
    public string? ServerAddress { get; set; }

    /// <summary>The upstream server's port (<c>server.port</c>).</summary>
    public int? ServerPort { get; set; }
}

/// <summary>Cost of a generation in USD.</summary>
/// <param name="Input">Cost of the input tokens.</param>
/// <param name="Output">Cost of the output tokens.</param>
/// <param name="Total">Total; the sum of the two when not given.</param>
public readonly record struct GenerationCost(double? Input = null, double? Output = null, double? Total = null)
{
    /// <summary>
    /// The total, given or summed; <see langword="null"/> when nothing is known. Prices are decimal amounts: the two
    /// parts are summed as the decimals they stand for (to 15 significant digits), so 0.0000225 + 0.00009 is 0.0001125,
    /// not the binary sum 0.00011250000000000001. Parts a decimal cannot hold that precisely (below 1e-12 or from
    /// 1e15 up, NaN, infinities) are summed as doubles.
    /// </summary>
    public double? EffectiveTotal => Total ?? (Input is null && Output is null ? null : Sum(Input ?? 0, Output ?? 0));

    /// <summary>Whether nothing is known (no part and no total): what <see cref="EffectiveTotal"/> is
    /// <see langword="null"/> for, without working out the sum.</summary>
    internal bool IsUnknown => Total is null && Input is null && Output is null;

    private static double Sum(double a, double b)
        => IsDecimalPrice(a) && IsDecimalPrice(b) ? (double)((decimal)a + (decimal)b) : a + b;

    private static bool IsDecimalPrice(double value)
        => value == 0 || Math.Abs(value) is >= 1e-12 and < 1e15;
}

/// <summary>One attempt at an upstream provider (a retry or a fallback is another attempt).</summary>
/// <param name="Provider">The provider, e.g. <c>openai</c>.</param>
/// <param name="Start">When the attempt started.</param>
/// <param name="End">When it ended.</param>
/// <param name="StatusCode">The provider's HTTP status, if any.</param>
/// <param name="ErrorType">What went wrong (<c>error.type</c>), or <see langword="null"/> for success.</param>
public readonly record struct ProviderAttempt(string Provider, DateTimeOffset Start, DateTimeOffset End, int? StatusCode = null, string? ErrorType = null);

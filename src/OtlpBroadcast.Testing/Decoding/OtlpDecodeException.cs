namespace OtlpBroadcast.Testing;

/// <summary>
/// An OTLP JSON body that a receiver would reject (or that strict decoding refuses). The message starts
/// with the JSON path of the problem, e.g. <c>resourceSpans[0].scopeSpans[0].spans[3].traceId: ...</c>.
/// </summary>
public sealed class OtlpDecodeException : Exception
{
    /// <summary>Creates an exception for a problem at a JSON path (<c>$</c> for the whole body).</summary>
    public OtlpDecodeException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>Where the problem is, e.g. <c>resourceSpans[0].scopeSpans[0].spans[3].traceId</c>, or <c>$</c>.</summary>
    public string Path { get; }

    /// <summary>What is wrong there.</summary>
    public string Problem { get; }
}

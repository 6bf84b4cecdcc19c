namespace OtlpBroadcast.Configuration;

/// <summary>
/// Parses the <c>key1=value1,key2=value2</c> lists of <c>OTEL_EXPORTER_OTLP_HEADERS</c> and
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>.
/// </summary>
/// <remarks>
/// Error messages give the variable and the 1-based position of the entry (counting every comma-separated
/// piece, empty ones included) but never the entry itself: header lists carry credentials.
/// </remarks>
internal static class KeyValueListParser
{
    /// <param name="variable">The variable name, for error messages.</param>
    /// <param name="text">The variable's value.</param>
    /// <param name="decodeKeys">
    /// Whether keys are percent-decoded as values are: resource attribute keys may hold an encoded <c>,</c> or
    /// <c>=</c>, header names are HTTP tokens and stay as written.
    /// </param>
    /// <param name="findProblem">
    /// Extra rules for a decoded entry: returns a description of what is wrong (without quoting the entry),
    /// or <see langword="null"/> when the entry is acceptable.
    /// </param>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(
        string variable,
        string text,
        bool decodeKeys,
        Func<string, string, string?>? findProblem = null)
    {
        string[] pieces = text.Split(',');
        var entries = new List<KeyValuePair<string, string>>(pieces.Length);
        for (int i = 0; i < pieces.Length; i++)
        {
            string piece = pieces[i];
            int position = i + 1;

            // A trailing or doubled comma is a common slip when lists are assembled by scripts.
            if (string.IsNullOrWhiteSpace(piece))
            {
                continue;
            }

            int separator = piece.IndexOf('=', StringComparison.Ordinal);
            if (separator < 0)
            {
                throw Invalid(variable, position, "has no '=' between key and value");
            }

            string? key = piece[..separator].Trim();
            if (key.Length == 0)
            {
                throw Invalid(variable, position, "has an empty key");
            }

            if (decodeKeys && !PercentDecoding.TryDecode(key, out key))
            {
                throw NotPercentEncoding(variable, position, "key");
            }

            // Trim before decoding so that an encoded space (%20) at either end survives.
            if (!PercentDecoding.TryDecode(piece[(separator + 1)..].Trim(), out string? value))
            {
                throw NotPercentEncoding(variable, position, "value");
            }

            if (findProblem?.Invoke(key, value) is { } problem)
            {
                throw Invalid(variable, position, problem);
            }

            entries.Add(new KeyValuePair<string, string>(key, value));
        }

        return entries.AsReadOnly();
    }

    private static OtlpConfigurationException NotPercentEncoding(string variable, int position, string part) =>
        Invalid(
            variable,
            position,
            $"has a {part} that is not valid percent-encoding ('%' must be followed by two hex digits that form UTF-8)");

    private static OtlpConfigurationException Invalid(string variable, int position, string problem) =>
        new($"{variable} must be a list of key=value pairs separated by ',': entry {position} {problem}.");
}

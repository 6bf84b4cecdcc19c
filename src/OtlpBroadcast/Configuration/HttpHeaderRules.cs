namespace OtlpBroadcast.Configuration;

/// <summary>
/// Checks a header entry before it reaches <c>HttpClient</c>, whose own errors can quote the value and so
/// leak a credential into logs.
/// </summary>
internal static class HttpHeaderRules
{
    /// <summary>Returns what is wrong with the header, without quoting it, or <see langword="null"/>.</summary>
    public static string? FindProblem(string name, string value)
    {
        foreach (char c in name)
        {
            if (!IsTokenChar(c))
            {
                return "has a key that is not a valid HTTP header name";
            }
        }

        foreach (char c in value)
        {
            // A decoded CR or LF would otherwise allow injecting extra headers.
            if (char.IsControl(c) && c != '\t')
            {
                return "has a value with control characters (such as CR or LF), which an HTTP header cannot carry";
            }
        }

        return null;
    }

    // RFC 9110 section 5.6.2 "tchar".
    internal static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}

namespace OtlpBroadcast.Configuration;

/// <summary>Turns the endpoint variables into the URL that traces are posted to.</summary>
/// <remarks>
/// Error messages never quote the URL: its user-info or query can carry credentials.
/// </remarks>
internal static class OtlpEndpointParser
{
    private const string TracesPath = "v1/traces";

    /// <summary>
    /// An endpoint for display (listings, <c>ToString</c>, diagnostics): scheme, host, port and path. User info and
    /// query are left out, since either can carry a credential (<c>?api_key=…</c>); a query shows as <c>?…</c>.
    /// </summary>
    internal static string Describe(Uri endpoint)
    {
        if (!endpoint.IsAbsoluteUri)
        {
            return "(relative URL)";
        }

        string shown = endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        return endpoint.Query.Length > 1 ? shown + "?…" : shown;
    }

    /// <summary>
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is a base URL shared by all signals, so the traces path is appended
    /// to its path; a query is kept after the new path.
    /// </summary>
    public static Uri ParseBase(string variable, string text)
    {
        Uri baseUri = ParseAbsoluteHttp(variable, text);
        string path = baseUri.AbsolutePath;
        string separator = path.EndsWith('/') ? string.Empty : "/";
        // The components are already escaped, so concatenating them cannot double-encode.
        return new Uri(baseUri.GetLeftPart(UriPartial.Authority) + path + separator + TracesPath + baseUri.Query);
    }

    /// <summary>
    /// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> is the full URL and is used as is; <see cref="Uri"/> turns an
    /// empty path into <c>/</c>.
    /// </summary>
    public static Uri ParseSignal(string variable, string text) => ParseAbsoluteHttp(variable, text);

    private static Uri ParseAbsoluteHttp(string variable, string text)
    {
        if (!AbsoluteUri.TryCreate(text, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new OtlpConfigurationException(
                $"{variable} must be an absolute http or https URL, such as http://localhost:4318.");
        }

        // Destinations refuse them too, but by a message that names no variable; and the credential does not belong there.
        if (uri.UserInfo.Length > 0)
        {
            throw new OtlpConfigurationException(
                $"{variable} must not carry credentials in the URL (user:password@); put them in OTEL_EXPORTER_OTLP_HEADERS, such as Authorization=Basic%20….");
        }

        // HttpClient drops fragments, so accepting one would silently post somewhere other than written.
        if (uri.Fragment.Length > 0)
        {
            throw new OtlpConfigurationException($"{variable} must not contain a '#' fragment.");
        }

        return uri;
    }
}

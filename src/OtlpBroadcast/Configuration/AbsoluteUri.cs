using System.Diagnostics.CodeAnalysis;

namespace OtlpBroadcast.Configuration;

/// <summary>Parses text that should be an absolute URL, for endpoints a user or an environment gives.</summary>
internal static class AbsoluteUri
{
    /// <summary>
    /// <see cref="Uri.TryCreate(string, UriKind, out Uri)"/> for an absolute URL, <see langword="false"/> for any text it
    /// cannot take. That method is not to throw, but .NET 10's throws <see cref="IndexOutOfRangeException"/> for a
    /// <c>file:</c> URL whose host starts with a right-to-left override and a backslash (<c>file://\u202E\a/</c>, found
    /// by the destination configuration property test): such text is refused as not a URL, with the caller's message,
    /// rather than escaping as a crash.
    /// </summary>
    public static bool TryCreate(string text, [NotNullWhen(true)] out Uri? uri)
    {
        try
        {
            return Uri.TryCreate(text, UriKind.Absolute, out uri);
        }
        catch (Exception exception) when (exception is IndexOutOfRangeException or ArgumentException or FormatException)
        {
            uri = null;
            return false;
        }
    }
}

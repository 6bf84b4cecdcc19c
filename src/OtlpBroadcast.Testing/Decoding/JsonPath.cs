using System.Globalization;

namespace OtlpBroadcast.Testing;

/// <summary>Builds the paths that decode errors name.</summary>
internal static class JsonPath
{
    public const string Root = "$";

    public static string Member(string parent, string name)
    {
        // A misspelled key may hold anything; bracket it so the path stays unambiguous.
        var segment = IsPlain(name) ? name : $"[{ValueText.Quote(name)}]";
        if (parent == Root)
        {
            return segment;
        }

        return segment[0] == '[' ? parent + segment : parent + "." + segment;
    }

    public static string Index(string parent, int index)
        => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    private static bool IsPlain(string name)
        => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}

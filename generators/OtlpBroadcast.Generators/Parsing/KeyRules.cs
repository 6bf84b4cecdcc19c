using System.Text;

namespace OtlpBroadcast.Generators.Parsing;

/// <summary>
/// The attribute-key rules. OpenTelemetry names are lowercase, dot-separated namespaces of snake_case words; the
/// generator enforces that at compile time (uppercase letters are rejected rather than lowered, so the key in the
/// source is the key on the wire). '-' is allowed because real keys such as HTTP header attributes use it.
/// </summary>
internal static class KeyRules
{
    /// <summary>Keys whose values are prompt or completion content in the GenAI conventions or the router format.</summary>
    public static readonly System.Collections.Generic.HashSet<string> ContentKeys = new(System.StringComparer.Ordinal)
    {
        "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions",
        "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.prompt", "gen_ai.completion",
    };

    /// <summary>Returns why <paramref name="key"/> is invalid, or <see langword="null"/> when it is valid.</summary>
    public static string? Validate(string? key)
    {
        if (key is null || key.Length == 0)
        {
            return "it is empty";
        }

        if (key.Trim().Length == 0)
        {
            return "it is only whitespace";
        }

        if (key[0] == '.')
        {
            return "it starts with a dot";
        }

        if (key[key.Length - 1] == '.')
        {
            return "it ends with a dot";
        }

        for (int i = 0; i < key.Length; i++)
        {
            char c = key[i];
            if (c == '.' && key[i - 1] == '.')
            {
                return "it has an empty segment between two dots";
            }

            if (c >= 'A' && c <= 'Z')
            {
                return "it has the uppercase letter '" + c + "'";
            }

            bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
            if (!allowed)
            {
                return char.IsWhiteSpace(c) ? "it contains whitespace" : "it contains the character '" + c + "'";
            }
        }

        return null;
    }

    /// <summary>The key derived from a member name: <c>MaxTokens</c> → <c>max_tokens</c>, <c>HTTPStatus</c> → <c>http_status</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousIsLowerOrDigit || endsAcronym) && builder.Length > 0 && builder[builder.Length - 1] != '_')
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}

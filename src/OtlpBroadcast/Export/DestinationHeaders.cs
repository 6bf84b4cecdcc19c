using System.Text;
using System.Text.Json;
using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Export;

/// <summary>
/// The HTTP headers a destination sends with every request, typically credentials. Every value is treated as a
/// secret: it is never part of <see cref="ToString"/>, an exception message or a log line.
/// </summary>
public sealed class DestinationHeaders
{
    /// <summary>Headers that the transport sets itself; a destination may not override them.</summary>
    private static readonly HashSet<string> TransportOwned = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Length", "Content-Encoding", "Host", "Transfer-Encoding", "Connection", "Keep-Alive",
        "Proxy-Connection", "Upgrade", "TE", "Trailer", "Expect", "User-Agent",
    };

    private readonly KeyValuePair<string, string>[] _headers;

    private DestinationHeaders(KeyValuePair<string, string>[] headers) => _headers = headers;

    /// <summary>No headers.</summary>
    public static DestinationHeaders None { get; } = new([]);

    /// <summary>The number of headers.</summary>
    public int Count => _headers.Length;

    /// <summary>The header names, in the order given (names are not secret).</summary>
    public IEnumerable<string> Names => _headers.Select(h => h.Key);

    /// <summary>
    /// Parses headers in the form users paste from their backend's documentation: a JSON object whose values are
    /// strings, e.g. <c>{"Authorization":"Bearer xaat-…","X-Axiom-Dataset":"traces"}</c>. <see langword="null"/>,
    /// empty or whitespace text means no headers.
    /// </summary>
    /// <exception cref="OtlpConfigurationException">The text is not such an object, or a header is invalid.</exception>
    public static DestinationHeaders ParseJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return None;
        }

        var headers = new List<KeyValuePair<string, string>>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 4 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new OtlpConfigurationException("Headers must be a JSON object of strings, e.g. {\"Authorization\":\"Bearer <token>\"}.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new OtlpConfigurationException(
                        $"Header '{SafeName(name)}' must have a string value, not {Describe(reader.TokenType)}.");
                }

                headers.Add(new(name, reader.GetString()!));
            }

            // Text after the object makes the reader throw (it reads one top-level value only).
            reader.Read();
        }
        catch (JsonException)
        {
            // The reader's own message may quote the text (and so a secret): say only where it broke.
            throw new OtlpConfigurationException(
                $"Headers are not valid JSON (error at byte {reader.BytesConsumed}); expected an object of strings, e.g. {{\"Authorization\":\"Bearer <token>\"}}.");
        }

        return FromPairs(headers);
    }

    /// <summary>Creates headers from name/value pairs, validating each.</summary>
    /// <exception cref="OtlpConfigurationException">A header is invalid.</exception>
    public static DestinationHeaders FromPairs(IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var list = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, string> header in headers)
        {
            // HTTP drops white space around a field value anyway; trimming forgives a pasted trailing space.
            string value = (header.Value ?? throw new OtlpConfigurationException($"Header '{SafeName(header.Key ?? "")}' has no value.")).Trim(' ', '\t');
            Validate(header.Key!, value);
            if (!seen.Add(header.Key!))
            {
                throw new OtlpConfigurationException($"Header '{header.Key}' is given more than once (names are case-insensitive).");
            }

            list.Add(new(header.Key!, value));
        }

        return list.Count == 0 ? None : new DestinationHeaders([.. list]);
    }

    /// <summary>The name/value pairs. Values are secrets: never log or display them.</summary>
    internal IEnumerable<KeyValuePair<string, string>> Pairs => _headers;

    /// <summary>Whether a header of that name is present.</summary>
    public bool Contains(string name) => _headers.Any(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds every header to an outgoing request.</summary>
    internal void ApplyTo(HttpRequestMessage request)
    {
        foreach (KeyValuePair<string, string> header in _headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    /// <summary>Replaces every header value that occurs in <paramref name="text"/> (e.g. a backend's error message
    /// echoing a request) with <c>***</c>; also the credentials after a scheme (<c>Bearer &lt;token&gt;</c>), which
    /// backends often quote alone ("invalid API key &lt;token&gt;").</summary>
    internal string Redact(string text)
    {
        foreach (KeyValuePair<string, string> header in _headers)
        {
            text = Redact(text, header.Value);
            int space = header.Value.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                text = Redact(text, header.Value[(space + 1)..].Trim(' ', '\t'));
            }
        }

        return text;
    }

    private static string Redact(string text, string secret)
        => secret.Length >= 4 ? text.Replace(secret, "***", StringComparison.Ordinal) : text;

    /// <summary>The names with masked values, e.g. <c>Authorization: ***, X-Axiom-Dataset: ***</c>.</summary>
    public override string ToString() => _headers.Length == 0 ? "(none)" : string.Join(", ", _headers.Select(h => h.Key + ": ***"));

    private static void Validate(string name, string value)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new OtlpConfigurationException("A header name is empty.");
        }

        foreach (char c in name)
        {
            if (!HttpHeaderRules.IsTokenChar(c))
            {
                throw new OtlpConfigurationException(
                    $"Header name '{SafeName(name)}' is invalid: only letters, digits and !#$%&'*+-.^_`|~ are allowed (RFC 9110 token).");
            }
        }

        if (TransportOwned.Contains(name))
        {
            throw new OtlpConfigurationException($"Header '{name}' is set by the transport and cannot be configured.");
        }

        foreach (char c in value)
        {
            if (c is '\r' or '\n')
            {
                throw new OtlpConfigurationException($"The value of header '{name}' contains a line break (CR or LF), which is not allowed.");
            }

            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                throw new OtlpConfigurationException($"The value of header '{name}' contains a control character, which is not allowed.");
            }

            if (c > 0x7E)
            {
                throw new OtlpConfigurationException($"The value of header '{name}' contains a non-ASCII character; encode it first (e.g. percent- or base64-encoding).");
            }
        }

    }

    /// <summary>A header name as it may appear in a message: control characters escaped, length capped.</summary>
    private static string SafeName(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, 64));
        foreach (char c in name.Length > 64 ? name[..64] : name)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return name.Length > 64 ? builder.Append('…').ToString() : builder.ToString();
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };
}

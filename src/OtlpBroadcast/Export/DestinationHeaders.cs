using System.Text;
using System.Text.Encodings.Web;
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

    /// <summary>Headers of the request body (content headers) rather than of the request: .NET only takes them on the
    /// body, which the transport builds, so on the request they were silently never sent.</summary>
    private static readonly HashSet<string> ContentHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Allow", "Content-Disposition", "Content-Language", "Content-Location", "Content-MD5", "Content-Range",
        "Expires", "Last-Modified",
    };

    private readonly KeyValuePair<string, string>[] _headers;

    private DestinationHeaders(KeyValuePair<string, string>[] headers) => _headers = headers;

    /// <summary>No headers.</summary>
    public static DestinationHeaders None { get; } = new([]);

    /// <summary>The number of headers.</summary>
    public int Count => _headers.Length;

    /// <summary>The header names, in the order given (names are not secret).</summary>
    public IEnumerable<string> Names => _headers.Select(h => h.Key);

    /// <summary>Headers per destination at most.</summary>
    public const int MaxCount = 64;

    /// <summary>Characters of a header name at most.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Characters of a header value at most (16 KiB: far beyond any token, far below what a server takes).</summary>
    public const int MaxValueLength = 16 * 1024;

    /// <summary>Characters of the headers JSON at most, read before any parsing.</summary>
    public const int MaxJsonLength = 1024 * 1024;

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

        if (json.Length > MaxJsonLength)
        {
            throw new OtlpConfigurationException($"Headers JSON of {json.Length} characters is too long; at most {MaxJsonLength} are read.");
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
                        $"Header {QuoteName(name)} must have a string value, not {Describe(reader.TokenType)}.");
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
        catch (InvalidOperationException)
        {
            // GetString refuses an escaped lone surrogate (\ud800); its message quotes no text, but ours says where.
            throw new OtlpConfigurationException(
                $"Headers contain an escape that is not a character (a lone \\uD800-\\uDFFF surrogate) near byte {reader.BytesConsumed}.");
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
            string value = (header.Value ?? throw new OtlpConfigurationException($"Header {QuoteName(header.Key ?? "")} has no value.")).Trim(' ', '\t');
            Validate(header.Key!, value);
            if (list.Count == MaxCount)
            {
                throw new OtlpConfigurationException($"More than {MaxCount} headers are given; at most {MaxCount} are allowed.");
            }

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
            // Validation refuses every name the request cannot carry; if one still gets here, sending without it
            // (say, without its credentials) would fail later and more obscurely. The name only, never the value.
            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                throw new OtlpConfigurationException($"Header '{header.Key}' could not be added to the request.");
            }
        }
    }

    /// <summary>Replaces every header value that occurs in <paramref name="text"/> (e.g. a backend's error message
    /// echoing a request) with <c>***</c>; also the credentials after a scheme (<c>Bearer &lt;token&gt;</c>), which
    /// backends often quote alone ("invalid API key &lt;token&gt;"). The longest secret goes first: one that holds
    /// another (a key that starts with an organisation id sent in a header of its own) is replaced whole, not left
    /// with only the shorter one's part masked.</summary>
    internal string Redact(string text)
    {
        foreach (string secret in Secrets())
        {
            text = Redact(text, secret);
        }

        return text;
    }

    /// <summary>Every value and every credential after a scheme, longest first.</summary>
    private IEnumerable<string> Secrets()
    {
        var secrets = new List<string>(_headers.Length * 2);
        foreach (KeyValuePair<string, string> header in _headers)
        {
            secrets.Add(header.Value);
            int space = header.Value.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                secrets.Add(header.Value[(space + 1)..].Trim(' ', '\t'));
            }
        }

        return secrets.OrderByDescending(secret => secret.Length);
    }

    private static string Redact(string text, string secret)
    {
        if (secret.Length < 4)
        {
            return text;
        }

        text = text.Replace(secret, "***", StringComparison.Ordinal);
        foreach (string form in EscapedForms(secret))
        {
            // Ignoring case: escapes are written \u002B or \u002b, %2F or %2f, depending on the server.
            text = text.Replace(form, "***", StringComparison.OrdinalIgnoreCase);
        }

        return text;
    }

    /// <summary>The ways a server may write the secret back when it quotes it inside JSON or a URL: a base64 key's
    /// <c>+</c> becomes <c>\u002B</c> (System.Text.Json's default encoder), its <c>/</c> becomes <c>\/</c> (PHP and
    /// others), or both are percent-encoded. Each is as readable as the secret itself.</summary>
    private static IEnumerable<string> EscapedForms(string secret)
    {
        string json = JsonEncodedText.Encode(secret).ToString();
        string relaxed = JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
        string[] forms =
        [
            json, json.Replace("/", "\\/", StringComparison.Ordinal),
            relaxed, relaxed.Replace("/", "\\/", StringComparison.Ordinal),
            Uri.EscapeDataString(secret),
        ];
        return forms.Where(form => form != secret).Distinct(StringComparer.Ordinal);
    }

    /// <summary>The names with masked values, e.g. <c>Authorization: ***, X-Axiom-Dataset: ***</c>.</summary>
    public override string ToString() => _headers.Length == 0 ? "(none)" : string.Join(", ", _headers.Select(h => h.Key + ": ***"));

    private static void Validate(string name, string value)
    {
        (HeaderProblem problem, int at) = Check(name, value);
        string? message = problem switch
        {
            HeaderProblem.None => null,
            HeaderProblem.EmptyName => "A header name is empty.",
            HeaderProblem.NameTooLong => $"Header name {QuoteName(name)} is {name.Length} characters long; at most {MaxNameLength} are allowed.",
            HeaderProblem.NameCharacter => $"Header name {QuoteName(name)} is invalid: character {at + 1} is {DescribeChar(name[at])}; only letters, digits and !#$%&'*+-.^_`|~ are allowed (RFC 9110 token).",
            HeaderProblem.TransportOwned => $"Header '{name}' is set by the transport and cannot be configured.",
            HeaderProblem.ContentHeader => $"Header '{name}' describes the request body, whose headers the transport sets; it cannot be configured.",
            HeaderProblem.ValueTooLong => $"The value of header '{name}' is {value.Length} characters long; at most {MaxValueLength} are allowed.",
            HeaderProblem.LineBreak => $"The value of header '{name}' contains a line break (CR or LF), which is not allowed.",
            HeaderProblem.ControlCharacter => $"The value of header '{name}' contains a control character, which is not allowed.",
            _ => $"The value of header '{name}' contains a non-ASCII character; encode it first (e.g. percent- or base64-encoding).",
        };

        if (message is not null)
        {
            throw new OtlpConfigurationException(message);
        }
    }

    /// <summary>
    /// What is wrong with a header, said without quoting its name or value, or <see langword="null"/>: for lists
    /// such as <c>OTEL_EXPORTER_OTLP_HEADERS</c>, whose errors name an entry by its position. There a value holding a
    /// raw ',' splits into a piece whose "name" is part of the value, often a credential, so no name may be quoted.
    /// </summary>
    internal static string? FindProblem(string name, string value) => Check(name, value).Problem switch
    {
        HeaderProblem.None => null,
        HeaderProblem.EmptyName => "has an empty key",
        HeaderProblem.NameTooLong => $"has a key longer than {MaxNameLength} characters",
        HeaderProblem.NameCharacter => "has a key that is not a valid HTTP header name",
        HeaderProblem.TransportOwned or HeaderProblem.ContentHeader => "names a header that the transport sets, which cannot be configured",
        HeaderProblem.ValueTooLong => $"has a value longer than {MaxValueLength} characters",
        HeaderProblem.LineBreak or HeaderProblem.ControlCharacter => "has a value with control characters (such as CR or LF), which an HTTP header cannot carry",
        _ => "has a value with a non-ASCII character; percent-encode its UTF-8 or base64-encode it",
    };

    /// <summary>The first rule a header breaks, and where in its name (for <see cref="HeaderProblem.NameCharacter"/>).</summary>
    private static (HeaderProblem Problem, int At) Check(string name, string value)
    {
        if (string.IsNullOrEmpty(name))
        {
            return (HeaderProblem.EmptyName, 0);
        }

        if (name.Length > MaxNameLength)
        {
            return (HeaderProblem.NameTooLong, 0);
        }

        for (int i = 0; i < name.Length; i++)
        {
            if (!HttpHeaderRules.IsTokenChar(name[i]))
            {
                return (HeaderProblem.NameCharacter, i);
            }
        }

        if (TransportOwned.Contains(name))
        {
            return (HeaderProblem.TransportOwned, 0);
        }

        if (ContentHeaders.Contains(name))
        {
            return (HeaderProblem.ContentHeader, 0);
        }

        if (value.Length > MaxValueLength)
        {
            return (HeaderProblem.ValueTooLong, 0);
        }

        foreach (char c in value)
        {
            if (c is '\r' or '\n')
            {
                return (HeaderProblem.LineBreak, 0);
            }

            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                return (HeaderProblem.ControlCharacter, 0);
            }

            if (c > 0x7E)
            {
                return (HeaderProblem.NonAscii, 0);
            }
        }

        return (HeaderProblem.None, 0);
    }

    private enum HeaderProblem
    {
        None,
        EmptyName,
        NameTooLong,
        NameCharacter,
        TransportOwned,
        ContentHeader,
        ValueTooLong,
        LineBreak,
        ControlCharacter,
        NonAscii,
    }

    /// <summary>
    /// A header name as a message may show it: quoted up to its first character that is not allowed in a name, where
    /// it is cut with an ellipsis (a pasted <c>"X-Api-Key: sk-…"</c> shows as <c>'X-Api-Key…'</c>, never the key), and
    /// at most 64 characters.
    /// </summary>
    private static string QuoteName(string name)
    {
        int valid = 0;
        while (valid < name.Length && valid < 64 && HttpHeaderRules.IsTokenChar(name[valid]))
        {
            valid++;
        }

        return valid == name.Length ? $"'{name}'" : $"'{name[..valid]}…'";
    }

    private static string DescribeChar(char c) => c switch
    {
        ' ' => "a space",
        ':' => "a colon",
        '\r' or '\n' => "a line break",
        _ when c < 0x20 || c == 0x7F => $"control character U+{(int)c:X4}",
        _ when c > 0x7E => $"non-ASCII U+{(int)c:X4}",
        _ => $"'{c}'",
    };

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

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CsCheck;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Hostile;

/// <summary>Generators of hostile text and JSON shared by the property tests of this folder.</summary>
internal static class HostileInput
{
    /// <summary>Characters that break things: controls (NUL, CR, LF, DEL, …), quotes and backslashes, separators of
    /// headers and URLs, non-ASCII letters, the line and paragraph separators, bidi overrides, lone surrogates.</summary>
    public static readonly Gen<char> NastyChar = Gen.OneOf(
        Gen.Char['\0', '\u001F'],
        Gen.Char["\u007F\"\\:;,=@/?#%[]{} \t\r\n"],
        Gen.Char["éß東京\u00A0\u2028\u2029\u202E\uFEFF\uFFFD\uFFFF"],
        Gen.Char['\uD800', '\uDFFF']);

    /// <summary>Mostly printable ASCII, sometimes a nasty character.</summary>
    public static readonly Gen<char> AnyChar = Gen.Frequency<char>((6, Gen.Char[' ', '~']), (2, NastyChar), (1, Gen.Char));

    /// <summary>Short hostile text.</summary>
    public static readonly Gen<string> Text = AnyChar.Array[0, 24].Select(chars => new string(chars));

    /// <summary>Text that is sometimes very long (up to 200 000 characters).</summary>
    public static readonly Gen<string> LongText = Gen.Frequency<string>(
        (8, Text),
        (1, Gen.Int[1_000, 200_000].Select(Gen.Char[' ', '~'], (length, c) => new string(c, length))),
        (1, Text.Select(Gen.Int[100, 20_000], (t, times) => string.Concat(Enumerable.Repeat(t + "\uD83D", times)))));

    /// <summary>A JSON string literal of <paramref name="text"/>, each character written raw or escaped at random
    /// (escapes are the only way to put a lone surrogate or NUL into JSON text).</summary>
    public static Gen<string> JsonString(string text) => Gen.Bool.Array[text.Length].Select(escape =>
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool mustEscape = c is '"' or '\\' || c < 0x20 || char.IsSurrogate(c);
            if (mustEscape || escape[i])
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    });

    /// <summary>Any JSON value as text: scalars (huge and non-finite-looking numbers included), strings with nasty
    /// characters, arrays and objects (duplicate keys included) nested up to <paramref name="depth"/> levels.</summary>
    public static Gen<string> JsonValue(int depth)
    {
        Gen<string> scalar = Gen.OneOf(
            Gen.OneOf("null", "true", "false", "0", "-0", "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "3.14", "-7"),
            Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
            Text.SelectMany(JsonString));
        if (depth <= 0)
        {
            return scalar;
        }

        Gen<string> inner = JsonValue(depth - 1);
        return Gen.Frequency<string>(
            (4, scalar),
            (1, inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (2, Gen.Select(Gen.OneOf(Text, Gen.OneOf("a", "A", "trace_id", "span_name", "x.y")).SelectMany(JsonString), inner).Array[0, 5]
                .Select(entries => "{" + string.Join(",", entries.Select(e => e.Item1 + ":" + e.Item2)) + "}")));
    }

    /// <summary>JSON nested <paramref name="levels"/> deep (arrays or objects), around a scalar.</summary>
    public static string DeepJson(int levels, bool objects)
        => objects
            ? string.Concat(Enumerable.Repeat("{\"k\":", levels)) + "1" + new string('}', levels)
            : new string('[', levels) + "1" + new string(']', levels);

    /// <summary>Whether <paramref name="text"/> contains a character that must never reach an HTTP header line.</summary>
    public static bool HasHeaderBreakingChar(string text)
    {
        foreach (char c in text)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// An HTTP stack that stores what would go on the wire (every request header, raw, and the body) and answers 200.
/// Fast enough for hundreds of property iterations, and it sees exactly what the SDK hands to the HTTP stack.
/// </summary>
internal sealed class CapturingHandler : HttpMessageHandler
{
    private readonly Lock _lock = new();
    private readonly List<CapturedRequest> _requests = [];

    public IReadOnlyList<CapturedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _requests.Clear();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (KeyValuePair<string, HeaderStringValues> header in request.Headers.NonValidated)
        {
            headers.AddRange(header.Value.Select(v => new KeyValuePair<string, string>(header.Key, v)));
        }

        byte[] body = [];
        if (request.Content is not null)
        {
            foreach (KeyValuePair<string, HeaderStringValues> header in request.Content.Headers.NonValidated)
            {
                headers.AddRange(header.Value.Select(v => new KeyValuePair<string, string>(header.Key, v)));
            }

            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        lock (_lock)
        {
            _requests.Add(new CapturedRequest(request.RequestUri!, headers, body, request.Content?.Headers.ContentType?.MediaType));
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
    }
}

/// <summary>One captured request.</summary>
internal sealed record CapturedRequest(Uri Uri, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, string? MediaType)
{
    /// <summary>The body decoded by the Testing project's strict decoder of its encoding; throws when it is not valid OTLP.</summary>
    public DecodedTraces DecodeStrictly() => MediaType == "application/x-protobuf"
        ? OtlpProtobufTraceDecoder.Decode(Body, strict: true)
        : OtlpJsonTraceDecoder.Decode(Body, strict: true);
}

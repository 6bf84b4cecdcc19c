using System.Globalization;
using CsCheck;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using static OtlpBroadcast.Tests.Hostile.HostileInput;

namespace OtlpBroadcast.Tests.Hostile;

/// <summary>
/// Destination configuration as a hostile or careless user types it (an admin form, a configuration file, the OTEL_*
/// variables): any endpoint text, headers JSON of any shape (garbage, huge, nested, duplicate keys, non-string values,
/// CR/LF, NUL, non-ASCII names, lone surrogates) and header pairs. Properties: it is either accepted or refused with an
/// <see cref="OtlpConfigurationException"/> whose message names a problem and never quotes a header value (every
/// value carries a canary); an accepted destination never lets a control character reach an HTTP header, and its
/// endpoint is an http(s) URL with nothing a request line could be broken with.
/// </summary>
public class DestinationConfigurationProperties
{
    private const int Iterations = 600;

    private static readonly Gen<string> ValidName = Gen.Frequency<string>(
        (2, Gen.OneOf("Authorization", "X-Api-Key", "x-honeycomb-team", "X-Axiom-Dataset", "a", "A")),
        (1, Gen.Char["abcxyzABC0189-_.!#$%&'*+^`|~"].Array[1, 12].Select(c => new string(c))));

    private static readonly Gen<string> HeaderName = Gen.Frequency<string>(
        (6, ValidName),
        (1, Gen.OneOf("Host", "Content-Length", "content-type", "Transfer-Encoding", "User-Agent", "Connection")),
        (2, Text),
        (1, Gen.OneOf("", " ", "X Api", "X:Y", "Authorization: Bearer", "Naïve", "X\r\nInjected", "X\0", "东京")));

    /// <summary>A value that is fine, with the canary in it.</summary>
    private static Gen<string> ValidValue(string canary)
        => Gen.Char[' ', '~'].Array[0, 20].Select(chars => "Bearer " + canary + new string(chars));

    /// <summary>A value that carries the canary somewhere, with hostile characters around it.</summary>
    private static Gen<string> HeaderValue(string canary) => Gen.Frequency<string>(
        (4, ValidValue(canary)),
        (3, Gen.Select(LongText, Text, Gen.Int[0, 2], (before, after, form) => form switch
        {
            0 => before + canary + after,
            1 => canary + "\r\nX-Injected: " + canary,
            _ => canary + after,
        })));

    private static Gen<string> HeadersJson(string canary) => Gen.Frequency<string>(
        (8, Gen.Select(ValidName, ValidValue(canary)).Array[0, 4].SelectMany(entries => Gen.Const("{" + string.Join(",", entries
            .DistinctBy(e => e.Item1, StringComparer.OrdinalIgnoreCase)
            .Select(e => $"\"{e.Item1}\":\"{e.Item2.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"")) + "}"))),
        (6, Gen.Select(HeaderName.SelectMany(JsonString), Gen.Frequency<string>(
                    (6, HeaderValue(canary).SelectMany(JsonString)),
                    (1, Gen.OneOf("5", "true", "null", "[\"" + canary + "\"]", "{\"nested\":\"" + canary + "\"}", "1e400")),
                    (1, JsonValue(3).Select(v => "[" + v + ",\"" + canary + "\"]"))))
                .Array[0, 6]
                .Select(entries => "{" + string.Join(",", entries.Select(e => e.Item1 + ":" + e.Item2)) + "}")),
        (1, Gen.Const("{\"A\":\"" + canary + "\",\"a\":\"" + canary + "\"}")),
        (1, Gen.Const("{\"A\":\"" + canary + "\",\"A\":\"" + canary + "\"}")),
        (1, Gen.Const(DeepJson(200, objects: true).Replace("1", "\"" + canary + "\"", StringComparison.Ordinal))),
        (1, JsonValue(4)),
        (1, Gen.Select(Text, Gen.Int[0, 100], (garbage, cut) =>
        {
            // A cut-off or trailing-garbage object.
            string text = "{\"Authorization\":\"Bearer " + canary + "\"}" + garbage;
            return text[..Math.Min(cut, text.Length)];
        })),
        (1, Gen.Byte.Array[0, 64].Select(bytes => System.Text.Encoding.UTF8.GetString(bytes) + canary)),
        (1, Gen.Const((string)null!)));

    private static readonly Gen<string> Host = Gen.OneOf(
        Gen.OneOf("collector.example.com", "127.0.0.1", "localhost", "[::1]", "[fe80::1%25eth0]", "10.0.0.1", "169.254.169.254",
            "2130706433", "0x7f.1", "[::ffff:127.0.0.1]", "xn--bcher-kva.example", "bücher.example", "a..b", "-", "", "ex ample.com"),
        Text);

    private static readonly Gen<string> Endpoint = Gen.Frequency<string>(
        (8, Gen.Select(Gen.OneOf("https", "http"), Gen.OneOf("collector.example.com", "127.0.0.1", "[::1]", "api.honeycomb.io"), Gen.Char['a', 'z'].Array[0, 10],
            (scheme, host, path) => $"{scheme}://{host}/v1/{new string(path)}")),
        (5, Gen.Select(Gen.OneOf("http", "https", "HTTP", "ftp", "file", "javascript", ""), Host, Gen.Int[-1, 70000], Text, Text,
            (scheme, host, port, path, query) => $"{scheme}://{host}{(port < 0 ? "" : ":" + port.ToString(CultureInfo.InvariantCulture))}/v1/{path}?{query}")),
        (1, Gen.OneOf("http://user:pass@collector.example.com/v1/traces", "https://h/v1/traces#frag", "//h/v1/traces", "/v1/traces", " ", "http://",
            "https://collector.example.com/v1/traces\r\nX-Injected: 1", "https://collector.example.com/v1/traces\0", "http:\\\\h\\v1")),
        (1, Text),
        (1, LongText.Select(t => "https://collector.example.com/" + t)));

    [Fact]
    public void AnyDestinationIsAcceptedSafelyOrRefusedWithAConfigurationErrorThatQuotesNoSecret()
    {
        var handler = new CapturingHandler();
        ExporterServices services = ExporterServices.WithHandler(handler);
        int accepted = 0;
        int refused = 0;
        Gen<(string Canary, string? Endpoint, string? Json, (string, string)[] Pairs)> cases =
            Gen.Long[0, long.MaxValue].Select(n => "cAnArY" + n.ToString("x", CultureInfo.InvariantCulture)).SelectMany(canary =>
                Gen.Select(Endpoint, HeadersJson(canary), Gen.Frequency<(string, string)[]>(
                        (3, Gen.Const(Array.Empty<(string, string)>())),
                        (1, Gen.Select(HeaderName, HeaderValue(canary)).Array[1, 3])),
                    (endpoint, json, pairs) => (canary, (string?)endpoint, (string?)json, pairs)));

        cases.Sample(
            sample =>
            {
                var options = new OtlpDestinationOptions { Name = "tenant", Endpoint = sample.Endpoint, HeadersJson = sample.Json, AllowInsecureCredentials = sample.Pairs.Length % 2 == 0 };
                foreach ((string name, string value) in sample.Pairs)
                {
                    options.Headers[name] = value;
                }

                OtlpDestination destination;
                try
                {
                    destination = OtlpDestination.Create(options);
                }
                catch (OtlpConfigurationException error)
                {
                    Assert.False(string.IsNullOrWhiteSpace(error.Message));
                    AssertNoCanary(error.ToString(), sample.Canary, "a configuration error");
                    refused++;
                    return;
                }

                accepted++;
                AssertNoCanary(destination.ToString(), sample.Canary, "OtlpDestination.ToString()");
                Assert.True(destination.Endpoint.Scheme is "http" or "https");
                Assert.DoesNotContain(destination.Endpoint.AbsoluteUri, c => char.IsControl(c) || char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format);
                Assert.All(destination.Endpoint.IdnHost, c => Assert.InRange(c, '!', '~'));
                Assert.All(destination.Headers.Names, name => Assert.All(name, c => Assert.True(HttpHeaderRules.IsTokenChar(c))));
                _ = DestinationNetworkPolicy.PublicAddressesOnly.FindProblem(destination.Endpoint);

                // What reaches the HTTP stack: no header carries a control character, whatever was configured.
                handler.Clear();
                ConnectionTestResult test = ConnectionTester.TestAsync(destination, services).GetAwaiter().GetResult();
                Assert.True(test.Success, test.ToString());
                CapturedRequest request = Assert.Single(handler.Requests);
                Assert.All(request.Headers, header =>
                {
                    Assert.All(header.Key, c => Assert.True(HttpHeaderRules.IsTokenChar(c)));
                    Assert.False(HasHeaderBreakingChar(header.Value), "a header value with a control character reached the HTTP stack");
                });
            },
            iter: Iterations,
            threads: 1,
            print: sample => $"endpoint {Printable(sample.Endpoint, sample.Canary)}, headers JSON of {sample.Json?.Length} chars, {sample.Pairs.Length} pair(s)");

        // Both branches are exercised often enough for the property to mean something.
        Assert.True(accepted >= Iterations / 20 && refused >= Iterations / 20, $"accepted {accepted}, refused {refused}");
    }

    [Fact]
    public void HeadersFromTheOtelVariablesAreAcceptedSafelyOrRefusedWithoutTheSecret()
    {
        Gen<(string Canary, string Headers, string Endpoint)> cases =
            Gen.Long[0, long.MaxValue].Select(n => "cAnArY" + n.ToString("x", CultureInfo.InvariantCulture)).SelectMany(canary =>
                Gen.Select(
                    Gen.Select(HeaderName, HeaderValue(canary), Gen.Bool).Array[0, 4]
                        .Select(pairs => string.Join(",", pairs.Select(p => p.Item1 + "=" + (p.Item3 ? Uri.EscapeDataString(p.Item2) : p.Item2)))),
                    Endpoint,
                    (headers, endpoint) => (canary, headers, endpoint)));

        cases.Sample(
            sample =>
            {
                var variables = new Dictionary<string, string>
                {
                    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = sample.Endpoint,
                    ["OTEL_EXPORTER_OTLP_HEADERS"] = sample.Headers,
                };
                try
                {
                    OtlpDestination destination = OtlpDestination.FromEnvironment("env", name => variables.GetValueOrDefault(name));
                    AssertNoCanary(destination.ToString(), sample.Canary, "OtlpDestination.ToString()");
                    Assert.All(destination.Headers.Pairs, h => Assert.False(HasHeaderBreakingChar(h.Value), "a decoded control character was accepted"));
                }
                catch (OtlpConfigurationException error)
                {
                    AssertNoCanary(error.ToString(), sample.Canary, "a configuration error");
                }
            },
            iter: Iterations,
            threads: 1,
            print: sample => $"endpoint {Printable(sample.Endpoint, sample.Canary)}, headers of {sample.Headers.Length} chars");
    }

    /// <summary>Fails without printing the canary or the text around it.</summary>
    private static void AssertNoCanary(string? text, string canary, string where)
        => Assert.False(text is not null && text.Contains(canary, StringComparison.Ordinal), $"the canary appears in {where}");

    /// <summary>Up to 200 characters with control characters escaped and the canary masked, for the report of a
    /// failing sample (only for text that holds the canary unescaped, if at all: header text is never printed).</summary>
    private static string Printable(string? text, string canary)
    {
        if (text is null)
        {
            return "(null)";
        }

        text = text.Replace(canary, "<canary>", StringComparison.Ordinal);
        string shown = text.Length > 200 ? text[..200] + $"… ({text.Length} chars)" : text;
        return string.Concat(shown.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}

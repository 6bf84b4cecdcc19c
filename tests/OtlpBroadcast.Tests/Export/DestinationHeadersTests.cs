using System.Text.Json;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

public class DestinationHeadersTests
{
    private const string Secret = "xaat-SECRET-canary-7f3a";

    [Fact]
    public void ParsesTheAxiomExampleExactlyAsPasted()
    {
        DestinationHeaders headers = DestinationHeaders.ParseJson($$"""
            {
              "Authorization": "Bearer {{Secret}}",
              "X-Axiom-Dataset": "your-dataset"
            }
            """);

        Assert.Equal(["Authorization", "X-Axiom-Dataset"], headers.Names);
        Assert.Equal(
            [new("Authorization", "Bearer " + Secret), new("X-Axiom-Dataset", "your-dataset")],
            headers.Pairs);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{}")]
    public void EmptyMeansNoHeaders(string? json) => Assert.Equal(0, DestinationHeaders.ParseJson(json).Count);

    [Theory]
    [InlineData("[\"a\"]", "must be a JSON object")]
    [InlineData("\"Bearer x\"", "must be a JSON object")]
    [InlineData("{\"X-Count\": 5}", "Header 'X-Count' must have a string value, not a number")]
    [InlineData("{\"X-Flag\": true}", "Header 'X-Flag' must have a string value, not a boolean")]
    [InlineData("{\"X-Obj\": {\"a\":\"b\"}}", "Header 'X-Obj' must have a string value, not an object")]
    [InlineData("{\"X-Arr\": [\"a\"]}", "Header 'X-Arr' must have a string value, not an array")]
    [InlineData("{\"X-Null\": null}", "Header 'X-Null' must have a string value, not null")]
    [InlineData("{\"A\":\"1\"} {\"B\":\"2\"}", "not valid JSON")]
    [InlineData("{\"A\":\"1\",\"a\":\"2\"}", "Header 'a' is given more than once")]
    [InlineData("{\"Bad Name\":\"v\"}", "Header name 'Bad…' is invalid: character 4 is a space")]
    [InlineData("{\"\":\"v\"}", "A header name is empty")]
    [InlineData("{\"X-Api-Key: sk-123\":\"\"}", "Header name 'X-Api-Key…' is invalid: character 10 is a colon")]
    [InlineData("{\"X-A\":\"\\ud800\"}", "Headers contain an escape that is not a character")]
    [InlineData("{\"\\udc00\":\"v\"}", "Headers contain an escape that is not a character")]
    [InlineData("{\"Content-Type\":\"text/plain\"}", "Header 'Content-Type' is set by the transport")]
    [InlineData("{\"host\":\"evil\"}", "Header 'host' is set by the transport")]
    [InlineData("{\"Content-Length\":\"1\"}", "Header 'Content-Length' is set by the transport")]
    [InlineData("{\"X-A\":\"a\\r\\nX-Injected: 1\"}", "The value of header 'X-A' contains a line break")]
    [InlineData("{\"X-A\":\"a\\u0000b\"}", "The value of header 'X-A' contains a control character")]
    [InlineData("{\"X-A\":\"caf\u00e9\"}", "The value of header 'X-A' contains a non-ASCII character")]
    public void RefusesInvalidHeadersWithAMessageNamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.ParseJson(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeadersHaveDocumentedLimits()
    {
        string Many(int count) => "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"X-{i}\":\"v\"")) + "}";
        Assert.Equal(DestinationHeaders.MaxCount, DestinationHeaders.ParseJson(Many(DestinationHeaders.MaxCount)).Count);
        Assert.Contains("at most 64 are allowed", Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.ParseJson(Many(65))).Message, StringComparison.Ordinal);

        string longest = new('k', DestinationHeaders.MaxValueLength);
        Assert.Equal(1, DestinationHeaders.ParseJson($"{{\"X-Key\":\"{longest}\"}}").Count);
        var tooLong = Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.ParseJson($"{{\"X-Key\":\"{longest}k\"}}"));
        Assert.Equal("The value of header 'X-Key' is 16385 characters long; at most 16384 are allowed.", tooLong.Message);

        string longName = new('n', DestinationHeaders.MaxNameLength + 1);
        Assert.Contains("is 257 characters long; at most 256", Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.ParseJson($"{{\"{longName}\":\"v\"}}")).Message, StringComparison.Ordinal);

        string huge = "{\"X\":\"" + new string(' ', DestinationHeaders.MaxJsonLength) + "\"}";
        Assert.StartsWith("Headers JSON of 1048584 characters is too long", Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.ParseJson(huge)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJsonNeverQuotesTheText()
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.ParseJson($"{{\"Authorization\": \"Bearer {Secret}"));
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsAboutAValueNeverContainTheValue()
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.ParseJson($"{{\"Authorization\": \"Bearer {Secret}\\n\"}}"));
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Contains("Authorization", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrimsWhiteSpaceAroundValuesThatHttpWouldDropAnyway()
        => Assert.Equal("Bearer x", DestinationHeaders.ParseJson("{\"Authorization\":\"  Bearer x\\t\"}").Pairs.Single().Value);

    [Fact]
    public void KeepsValuesWithEqualsCommasAndPercents()
        => Assert.Equal("a=b,c%20d", DestinationHeaders.ParseJson("{\"X-A\":\"a=b,c%20d\"}").Pairs.Single().Value);

    [Fact]
    public void ToStringMasksEveryValue()
    {
        DestinationHeaders headers = DestinationHeaders.ParseJson($"{{\"Authorization\":\"Bearer {Secret}\",\"X-Dataset\":\"ds\"}}");
        Assert.Equal("Authorization: ***, X-Dataset: ***", headers.ToString());
    }

    [Fact]
    public void RedactRemovesEchoedSecrets()
    {
        DestinationHeaders headers = DestinationHeaders.ParseJson($"{{\"Authorization\":\"Bearer {Secret}\"}}");
        Assert.Equal("invalid token *** for dataset", headers.Redact($"invalid token Bearer {Secret} for dataset"));
    }

    [Fact]
    public void RedactRemovesTheTokenQuotedWithoutItsScheme()
    {
        DestinationHeaders headers = DestinationHeaders.ParseJson($"{{\"Authorization\":\"Bearer {Secret}\"}}");
        Assert.Equal("invalid API key ***", headers.Redact($"invalid API key {Secret}"));
    }

    [Fact]
    public void RedactRemovesAValueWholeWhenAnotherHeaderHoldsPartOfIt()
    {
        // The organisation id is also the start of the key: redacting it first would leave the key's secret part.
        DestinationHeaders headers = DestinationHeaders.FromPairs([new("X-Org-Id", "org-4711"), new("Authorization", "Bearer org-4711." + Secret)]);

        string redacted = headers.Redact($"invalid key org-4711.{Secret} for org-4711");

        Assert.True(redacted == "invalid key *** for ***", "a part of the key is still in the message");
    }

    [Theory]
    [InlineData("the default JSON encoder")]
    [InlineData("JSON with escaped slashes")]
    [InlineData("lower-case JSON escapes")]
    [InlineData("percent-encoding")]
    public void RedactRemovesAKeyWrittenBackEscaped(string how)
    {
        // A base64 key: '+' and '/' are what JSON encoders and URLs escape.
        const string Key = "k3y+Zm9v/YmFy+cXV4/canary==";
        DestinationHeaders headers = DestinationHeaders.FromPairs([new("X-Api-Key", Key)]);
        string echoed = how switch
        {
            "the default JSON encoder" => JsonEncodedText.Encode(Key).ToString(),
            "JSON with escaped slashes" => Key.Replace("/", "\\/", StringComparison.Ordinal),
            "lower-case JSON escapes" => Key.Replace("+", "\\u002b", StringComparison.Ordinal),
            _ => Uri.EscapeDataString(Key),
        };
        Assert.True(echoed != Key, "the test must write the key escaped");

        string redacted = headers.Redact($"{{\"error\":\"invalid api key {echoed}\"}}");

        // Compared without printing: the text may still hold the key.
        Assert.True(redacted == "{\"error\":\"invalid api key ***\"}", $"the key written by {how} is still in the message");
    }

    [Theory]
    [InlineData("Expires")]
    [InlineData("allow")]
    [InlineData("Last-Modified")]
    [InlineData("Content-Language")]
    [InlineData("Content-Location")]
    [InlineData("Content-Disposition")]
    [InlineData("Content-Range")]
    [InlineData("Content-MD5")]
    public void RefusesBodyHeadersThatARequestCannotCarryNamingOnlyTheName(string name)
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => DestinationHeaders.FromPairs([new(name, Secret)]));

        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Equal($"Header '{name}' describes the request body, whose headers the transport sets; it cannot be configured.", error.Message);
    }

    [Fact]
    public void AppliesHeadersToARequestVerbatim()
    {
        DestinationHeaders headers = DestinationHeaders.ParseJson("{\"Authorization\":\"Bearer a b=c\",\"X-Honeycomb-Team\":\"k\"}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/v1/traces");
        headers.ApplyTo(request);
        Assert.Equal("Bearer a b=c", request.Headers.GetValues("Authorization").Single());
        Assert.Equal("k", request.Headers.GetValues("x-honeycomb-team").Single());
    }
}

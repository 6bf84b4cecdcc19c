using System.Text.Json;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary><see cref="ContentTruncation.Truncate"/> on its own: plain text, surrogate pairs, JSON of any shape.</summary>
public class ContentTruncationTests
{
    private const char Ellipsis = '…';

    [Fact]
    public void PlainTextIsCutToTheLimitWithAnEllipsis()
    {
        string text = new('a', 100);

        string cut = ContentTruncation.Truncate(text, 10);

        Assert.Equal(new string('a', 9) + Ellipsis, cut);
    }

    [Fact]
    public void TextThatFitsIsReturnedUnchanged()
    {
        string text = "Hello! How can I help you today?";

        Assert.Same(text, ContentTruncation.Truncate(text, text.Length));
        Assert.Same(text, ContentTruncation.Truncate(text, text.Length + 1));
    }

    [Fact]
    public void ZeroMeansNoLimit()
    {
        string text = new('x', 200_000);
        string json = "[" + string.Join(',', Enumerable.Repeat("\"message\"", 10_000)) + "]";

        Assert.Same(text, ContentTruncation.Truncate(text, 0));
        Assert.Same(json, ContentTruncation.Truncate(json, 0));
    }

    [Fact]
    public void ASurrogatePairAtTheCutIsNeverSplit()
    {
        // Pairs at every position relative to the cut.
        string text = string.Concat(Enumerable.Repeat("a😀", 20));

        for (int limit = 1; limit < text.Length; limit++)
        {
            string cut = ContentTruncation.Truncate(text, limit);

            Assert.True(cut.Length <= limit, $"limit {limit}: {cut.Length} characters");
            Assert.EndsWith(Ellipsis.ToString(), cut, StringComparison.Ordinal);
            Assert.False(HasLoneSurrogate(cut), $"limit {limit}: a surrogate pair was split");
            Assert.StartsWith(cut[..^1], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void JsonThatEscapesALoneSurrogateIsCutAsPlainText()
    {
        // Valid JSON syntax that System.Text.Json will not read as a string: cut as text, never an exception.
        string json = """["\ud800 and then a long tail of text"]""";

        string cut = ContentTruncation.Truncate(json, 20);

        Assert.Equal(20, cut.Length);
        Assert.Equal(json[..19] + "…", cut);
    }

    [Fact]
    public void InvalidJsonFallsBackToAPlainCut()
    {
        string text = "[{\"role\":\"user\",\"content\":\"not closed " + new string('z', 500);

        string cut = ContentTruncation.Truncate(text, 50);

        Assert.Equal(text[..49] + Ellipsis, cut);
    }

    [Fact]
    public void NestedJsonStaysValidKeepsItsShapeAndMarksTheCut()
    {
        string json = """
            {"messages":[{"role":"system","content":"You are terse."},
                         {"role":"user","parts":[{"type":"text","content":"LONG"}],"meta":{"n":1,"ok":true,"none":null}}],
             "tail":{"deep":[[["x","y"]]]}}
            """.Replace("LONG", new string('q', 5_000), StringComparison.Ordinal);

        string cut = ContentTruncation.Truncate(json, 200);

        Assert.True(cut.Length <= 200, $"{cut.Length} characters");
        using JsonDocument document = JsonDocument.Parse(cut);
        JsonElement messages = document.RootElement.GetProperty("messages");
        Assert.Equal("You are terse.", messages[0].GetProperty("content").GetString());
        string? shortened = LastString(document.RootElement);
        Assert.NotNull(shortened);
        Assert.EndsWith(Ellipsis.ToString(), shortened, StringComparison.Ordinal);
        Assert.StartsWith("qqq", shortened, StringComparison.Ordinal);
    }

    [Fact]
    public void ManyMessagesAreCutToTheLimitAsValidJson()
    {
        string json = "[" + string.Join(',', Enumerable.Range(0, 300).Select(i => $"{{\"role\":\"user\",\"content\":\"message {i} {new string('m', 100)}\"}}")) + "]";

        foreach (int limit in new[] { 64, 100, 1_000, 4_096, 10_000 })
        {
            string cut = ContentTruncation.Truncate(json, limit);

            Assert.True(cut.Length <= limit, $"limit {limit}: {cut.Length} characters");
            using JsonDocument document = JsonDocument.Parse(cut);
            Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
            Assert.True(document.RootElement.GetArrayLength() < 300);
            Assert.Equal("message 0", document.RootElement[0].GetProperty("content").GetString()![..9]);
        }
    }

    /// <summary>
    /// Characters that JSON escapes (quotes, backslashes, control characters) or that the writer escapes (characters
    /// outside the BMP, as <c>\uD83D\uDE00</c>) take more room written than read: the result must still fit.
    /// </summary>
    [Theory]
    [InlineData("😀")]
    [InlineData("\"")]
    [InlineData("\\")]
    [InlineData("\n")]
    [InlineData("\u0001")]
    [InlineData("é")]
    [InlineData("a\"😀\n")]
    public void ContentThatJsonEscapesStillFitsTheLimit(string unit)
    {
        string content = string.Concat(Enumerable.Repeat(unit, 20_000 / unit.Length));
        string json = "\"" + JsonEncodedText.Encode(content).Value + "\"";
        string messages = $$"""[{"role":"user","content":{{json}}},{"role":"assistant","content":{{json}}}]""";

        foreach (int limit in new[] { 16, 100, 1_000, 8_192 })
        {
            string cut = ContentTruncation.Truncate(messages, limit);

            Assert.True(cut.Length <= limit, $"limit {limit}: {cut.Length} characters");
            using JsonDocument document = JsonDocument.Parse(cut);
            Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        }
    }

    [Fact]
    public void EveryLimitGivesValidJsonWithinTheLimit()
    {
        string json = """[{"role":"user","content":"héllo \"wörld\" 😀 line\nbreak","name":"ann"},{"role":"assistant","content":"fine, thanks","n":12.5,"t":[true,false,null]}]""";

        for (int limit = 2; limit < json.Length; limit++)
        {
            string cut = ContentTruncation.Truncate(json, limit);

            Assert.True(cut.Length <= limit, $"limit {limit}: {cut.Length} characters");
            Assert.True(IsJson(cut), $"limit {limit}: not valid JSON: {cut}");
            Assert.False(HasLoneSurrogate(cut), $"limit {limit}: a surrogate pair was split");
        }
    }

    /// <summary>The last string in document order, property names excluded.</summary>
    internal static string? LastString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(LastString).LastOrDefault(s => s is not null);
            case JsonValueKind.Object:
                return element.EnumerateObject().Select(p => LastString(p.Value)).LastOrDefault(s => s is not null);
            default:
                return null;
        }
    }

    private static bool IsJson(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}

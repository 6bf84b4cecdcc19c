using System.Text.Json;
using static OtlpBroadcast.Tests.OtlpEncoding.EncodingTestHelpers;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// Whatever the input, the output is valid UTF-8 JSON. Inputs with lone surrogates are kept in tables indexed by
/// the theories: xunit serialises theory data as UTF-8, which would repair them before the test ran.
/// </summary>
public class Utf8ValidityTests
{
    private const char Replacement = '\uFFFD';

    /// <summary>Input, and the text a reader gets back (lone surrogates replaced by U+FFFD).</summary>
    private static readonly (string Input, string Expected)[] Texts =
    [
        ("high \uD800 alone", "high \uFFFD alone"),
        ("low \uDC00 alone", "low \uFFFD alone"),
        ("ends with high \uD83D", "ends with high \uFFFD"),
        ("\uDE00 starts with low", "\uFFFD starts with low"),
        ("reversed pair \uDE00\uD83D!", "reversed pair \uFFFD\uFFFD!"),
        ("two highs \uD83D\uD83D\uDE00", "two highs \uFFFD\uD83D\uDE00"),
        ("\uD800", "\uFFFD"),
        ("control \u0000\u0001\u0008\t\n\r\u000B\u000C\u001F\u007F end", "control \u0000\u0001\u0008\t\n\r\u000B\u000C\u001F\u007F end"),
        ("quote \" backslash \\ slash / both \\\"", "quote \" backslash \\ slash / both \\\""),
        ("non-ASCII: héllo wörld, Привет, 東京, عربى", "non-ASCII: héllo wörld, Привет, 東京, عربى"),
        ("emoji 😀 👩‍💻 🇫🇷 and U+10FFFF \uDBFF\uDFFF", "emoji 😀 👩‍💻 🇫🇷 and U+10FFFF \uDBFF\uDFFF"),
        ("separators \u2028 \u2029 and BOM \uFEFF inside", "separators \u2028 \u2029 and BOM \uFEFF inside"),
        ("html <>&' and +", "html <>&' and +"),
    ];

    public static TheoryData<int> TextIndexes => [.. Enumerable.Range(0, Texts.Length)];

    [Theory]
    [MemberData(nameof(TextIndexes))]
    public void StringValuesThroughEveryStringPath(int index)
    {
        (string input, string expected) = Texts[index];

        JsonElement array = ParseAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.Write("string"u8, input);
                s.Write("chars"u8, input.AsSpan());
                s.Write("any"u8, AttributeValue.FromString(input));
                s.BeginArray("array"u8);
                s.WriteArrayItem(input);
                s.WriteArrayItem(input.AsSpan());
                s.WriteArrayItem(AttributeValue.FromString(input));
                s.EndArray();
                s.Write("kv"u8, AttributeValue.FromKeyValueList(new SpanAttribute("inner", input)));
            });

        Assert.Equal(expected, StringValueOf(ValueOf(array[0], "string")));
        Assert.Equal(expected, StringValueOf(ValueOf(array[1], "chars")));
        Assert.Equal(expected, StringValueOf(ValueOf(array[2], "any")));
        Assert.All(ArrayItemsOf(ValueOf(array[3], "array")), item => Assert.Equal(expected, StringValueOf(item)));
        Assert.Equal(expected, StringValueOf(ValueOf(Assert.Single(KeyValueEntriesOf(ValueOf(array[4], "kv"))), "inner")));
    }

    [Theory]
    [MemberData(nameof(TextIndexes))]
    public void KeysFromStrings(int index)
    {
        (string input, string expected) = Texts[index];

        JsonElement array = ParseAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                AttributeKeys.Write(ref s, input, AttributeValue.FromInt(1));
                AttributeKeys.Write(ref s, "trace.metadata."u8, input, AttributeValue.FromInt(2));
            });

        Assert.Equal(expected, array[0].GetProperty("key").GetString());
        Assert.Equal("trace.metadata." + expected, array[1].GetProperty("key").GetString());
    }

    [Theory]
    [MemberData(nameof(TextIndexes))]
    public void SpanTextFieldsThroughTheEncoder(int index)
    {
        (string input, string expected) = Texts[index];
        var span = new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), input)
        {
            TraceState = input,
            Status = SpanStatus.Error(input),
        };
        span.With(input, input);
        var spanEvent = new SpanEvent(input, 1);
        spanEvent.Attributes.Add(new SpanAttribute(input, input));
        span.Events.Add(spanEvent);
        var link = new SpanLink(TraceId.CreateRandom(), SpanId.CreateRandom()) { TraceState = input };
        link.Attributes.Add(new SpanAttribute(input, input));
        span.Links.Add(link);

        JsonElement root = EncodeAndParse(span);

        Assert.Equal(expected, root.GetProperty("name").GetString());
        Assert.Equal(expected, root.GetProperty("traceState").GetString());
        Assert.Equal(expected, root.GetProperty("status").GetProperty("message").GetString());
        Assert.Equal(expected, StringValueOf(ValueOf(root.GetProperty("attributes")[0], expected)));
        JsonElement eventElement = root.GetProperty("events")[0];
        Assert.Equal(expected, eventElement.GetProperty("name").GetString());
        Assert.Equal(expected, StringValueOf(ValueOf(eventElement.GetProperty("attributes")[0], expected)));
        JsonElement linkElement = root.GetProperty("links")[0];
        Assert.Equal(expected, linkElement.GetProperty("traceState").GetString());
        Assert.Equal(expected, StringValueOf(ValueOf(linkElement.GetProperty("attributes")[0], expected)));
    }

    /// <summary>Invalid UTF-8, and what a reader gets back (each maximal invalid subpart replaced by U+FFFD).</summary>
    public static TheoryData<byte[], string> InvalidUtf8 => new()
    {
        { [0x61, 0xFF, 0x62], "a\uFFFDb" },
        { [0x61, 0x80], "a\uFFFD" },
        { [0x78, 0xE2, 0x82], "x\uFFFD" }, // truncated three-byte sequence at the end
        { [0xE2, 0x82, 0x78], "\uFFFDx" }, // truncated sequence in the middle
        { [0xC0, 0xAF], "\uFFFD\uFFFD" }, // overlong encoding of '/'
        { [0xED, 0xA0, 0x80], "\uFFFD\uFFFD\uFFFD" }, // an encoded surrogate
        { [0xF4, 0x90, 0x80, 0x80], "\uFFFD\uFFFD\uFFFD\uFFFD" }, // above U+10FFFF
        { [0x22, 0x5C, 0xFE, 0x00, 0x0A], "\"\\\uFFFD\u0000\n" }, // needs escaping and repair at once
        { [0xF0, 0x9F, 0x98, 0x80, 0xF0, 0x9F, 0x98], "😀\uFFFD" }, // valid emoji then a truncated one
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void WriteUtf8RepairsInvalidSequences(byte[] input, string expected)
    {
        Assert.False(System.Text.Unicode.Utf8.IsValid(input));

        JsonElement array = ParseAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.WriteUtf8("k"u8, input);
                s.Write(input, "invalid key");
            });

        Assert.Equal(expected, StringValueOf(ValueOf(array[0], "k")));
        Assert.Equal("invalid key", StringValueOf(ValueOf(array[1], expected)));
    }

    [Fact]
    public void WriteUtf8RepairsLongInvalidInput()
    {
        // Long enough that the repair works on a large rented buffer.
        byte[] input = new byte[100_000];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (i % 100) == 99 ? (byte)0xFF : (byte)('a' + (i % 26));
        }

        JsonElement keyValue = ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.WriteUtf8("k"u8, input));

        string value = StringValueOf(ValueOf(keyValue, "k"));
        Assert.Equal(input.Length, value.Length);
        Assert.Equal(input.Length / 100, value.Count(c => c == Replacement));
    }

    [Fact]
    public void WriteUtf8KeepsValidInputExactly()
    {
        const string text = "tab\t \"q\" \\ é 東京 😀 \u0001";
        JsonElement keyValue = ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.WriteUtf8("k"u8, System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Equal(text, StringValueOf(ValueOf(keyValue, "k")));
    }

    [Fact]
    public void RepairingOneValueDoesNotAffectTheNext()
    {
        JsonElement array = ParseAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.WriteUtf8("bad"u8, [0x41, 0xFF, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47]);
                s.WriteUtf8("good"u8, "ok"u8);
                s.WriteUtf8("bad2"u8, [0xFF]);
            });

        Assert.Equal("A\uFFFDBCDEFG", StringValueOf(ValueOf(array[0], "bad")));
        Assert.Equal("ok", StringValueOf(ValueOf(array[1], "good")));
        Assert.Equal("\uFFFD", StringValueOf(ValueOf(array[2], "bad2")));
    }
}

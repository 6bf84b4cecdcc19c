using System.Buffers;
using System.Text.Json;
using CsCheck;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// The encoder writes JSON text itself (<see cref="JsonBuffer"/>) instead of through a <see cref="Utf8JsonWriter"/>:
/// every string, number and byte string must come out exactly as the writer, with the production options, writes
/// it. Invalid text must be replaced exactly as the general path replaces it (invalid UTF-8 is decoded with U+FFFD
/// first; a lone UTF-16 surrogate is written as the writer writes it).
/// </summary>
public class JsonBufferTests
{
    public static TheoryData<string> Strings => new()
    {
        "",
        "gpt-4o",
        "with \"quotes\" and \\backslash\\",
        "line\nbreak, tab\t, return\r, \b, \f, \u0001, \u001f, \u007f",
        "</script> & 'single' + `tick` <>",
        "non-ASCII: é, ü, 日本語, \u00a0, \u00ad, \u2028, \u2029, \ufeff, \ufffd, \ue000, \u0378",
        "emoji 🙂 and 😀😀 and a flag 🇫🇷",
        "lone \ud800 high",
        "lone \udc00 low",
        "\ud800",
        "ends with a high surrogate \ud83d",
        "reversed pair \ude00\ud83d",
        "two highs \ud83d\ud83d\ude00",
        new string('x', 2000),
        new string('é', 1500),
        new string('x', 1023) + "😀" + new string('y', 10),
        new string('é', 511) + "😀é" + new string('東', 400),
        new string('"', 300),
        "[{\"role\":\"user\",\"content\":\"Bonjour, ça va ? 東京 😀\\n\u0001\"}]",
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void Utf16TextIsEscapedAsTheWriterEscapesIt(string value)
        => Assert.Equal(ViaWriter(w => w.WriteStringValue(value)), ViaBuffer(json => json.WriteString(value)));

    [Theory]
    [MemberData(nameof(Strings))]
    public void Utf8TextIsEscapedAsTheWriterEscapesIt(string value)
    {
        // Lone surrogates have no UTF-8 form; System.Text.Encoding turns them into U+FFFD, which is valid UTF-8.
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(value);
        Assert.Equal(ViaWriter(w => w.WriteStringValue(utf8)), ViaBuffer(json => WriteQuoted(json, utf8)));
    }

    [Fact]
    public void EveryUtf16CodeUnitIsEscapedAsTheWriterEscapesIt()
    {
        // Alone and between plain text: the buffer decides by runs, the writer character by character.
        for (int c = 0; c <= char.MaxValue; c++)
        {
            string alone = ((char)c).ToString();
            string between = "ab" + (char)c + "cd";
            Assert.Equal(ViaWriter(w => w.WriteStringValue(alone)), ViaBuffer(json => json.WriteString(alone)));
            Assert.Equal(ViaWriter(w => w.WriteStringValue(between)), ViaBuffer(json => json.WriteString(between)));
        }
    }

    [Fact]
    public void EveryScalarIsEscapedAsTheWriterEscapesItFromUtf8()
    {
        for (int scalar = 0; scalar <= 0x10FFFF; scalar += scalar < 0x10000 ? 1 : 61)
        {
            if (!System.Text.Rune.IsValid(scalar))
            {
                continue;
            }

            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes("a" + new System.Text.Rune(scalar) + "b");
            Assert.Equal(ViaWriter(w => w.WriteStringValue(utf8)), ViaBuffer(json => WriteQuoted(json, utf8)));
        }
    }

    public static TheoryData<byte[]> InvalidUtf8 => new()
    {
        new byte[] { 0xFF },
        new byte[] { (byte)'a', 0xC3 },
        new byte[] { 0xE2, 0x82, (byte)'x' },
        new byte[] { 0xC0, 0xAF },
        new byte[] { 0xED, 0xA0, 0x80 },
        new byte[] { 0xF4, 0x90, 0x80, 0x80 },
        new byte[] { 0x80, 0x80, (byte)'"', 0xC3, 0xA9, (byte)'\n', 0xFE },
        "plain and \"quoted\" "u8.ToArray().Concat(new byte[] { 0xF0, 0x9F, 0x98 }).Concat("😀"u8.ToArray()).ToArray(),
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void InvalidUtf8IsReplacedAsTheGeneralPathReplacesIt(byte[] utf8)
    {
        // The general path (OtlpJsonAttributeSink) decodes invalid UTF-8 with U+FFFD and writes the characters.
        string decoded = System.Text.Encoding.UTF8.GetString(utf8);
        string written = ViaBuffer(json => WriteQuoted(json, utf8));
        Assert.Equal(ViaWriter(w => w.WriteStringValue(decoded)), written);
        using JsonDocument parsed = JsonDocument.Parse(written);
        Assert.Contains("\ufffd", parsed.RootElement.GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public void RandomTextIsEscapedAsTheWriterEscapesIt()
    {
        Gen<string> text = Gen.OneOf(
            Gen.String[0, 40],
            Text(3000));
        text.Sample(
            value =>
            {
                Assert.Equal(ViaWriter(w => w.WriteStringValue(value)), ViaBuffer(json => json.WriteString(value)));
                byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(value);
                Assert.Equal(ViaWriter(w => w.WriteStringValue(utf8)), ViaBuffer(json => WriteQuoted(json, utf8)));
            },
            iter: 500,
            threads: 1);
    }

    [Fact]
    public void ContentJsonIsEmbeddedWithTheBytesOfTheGeneralEscaping()
    {
        // JSON rendered by ContentJsonBuffer only needs its quotes and backslashes escaped to become a JSON string.
        Text(300).Sample(
            text =>
            {
                using ContentJsonBuffer content = ContentJsonBuffer.Rent();
                content.WriteStartArray();
                content.WriteObject(new OtlpBroadcast.OpenAi.ChatMessage { Role = "user", Content = text, Name = text });
                content.WriteObject<OtlpBroadcast.OpenAi.ChatMessage>(null);
                content.WriteEndArray();
                byte[] json = content.GetWrittenUtf8().ToArray();
                Assert.Equal(ViaBuffer(buffer => buffer.WriteEscaped(json)), ViaBuffer(buffer => buffer.WriteEscapedJson(json)));
            },
            iter: 300,
            threads: 1);
    }

    [Theory]
    [MemberData(nameof(Strings))]
    public void TextEscapedTwiceIsTheTextEscapedThenEmbedded(string value)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(value);
        AssertEscapedTwice(value);
        AssertEscapedTwice(utf8);
    }

    [Fact]
    public void EveryUtf16CodeUnitIsEscapedTwiceAsEscapedThenEmbedded()
    {
        for (int c = 0; c <= char.MaxValue; c++)
        {
            AssertEscapedTwice(((char)c).ToString());
            AssertEscapedTwice("ab" + (char)c + new string('c', 20) + (char)c + "\n" + (char)c);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void InvalidUtf8IsEscapedTwiceAsEscapedThenEmbedded(byte[] utf8) => AssertEscapedTwice(utf8);

    [Fact]
    public void RandomTextIsEscapedTwiceAsEscapedThenEmbedded()
    {
        Gen<string> text = Gen.OneOf(
            Gen.String[0, 40],
            Text(3000));
        text.Sample(
            value =>
            {
                AssertEscapedTwice(value);
                AssertEscapedTwice(System.Text.Encoding.UTF8.GetBytes(value));
            },
            iter: 500,
            threads: 1);
        Gen.Byte.Array[0, 200].Sample(AssertEscapedTwice, iter: 500, threads: 1);
    }

    [Fact]
    public void EmbeddedJsonIsUnescapedToTheJsonItCameFrom()
    {
        Text(300).Sample(
            text =>
            {
                byte[] json = System.Text.Encoding.UTF8.GetBytes(ViaBuffer(buffer => buffer.WriteString(text)));
                var embedded = new JsonBuffer();
                embedded.WriteEscapedJson(json);
                var unescaped = new JsonBuffer();
                unescaped.WriteUnescapedJson(embedded.WrittenSpan);
                Assert.Equal(json, unescaped.WrittenSpan.ToArray());
            },
            iter: 300,
            threads: 1);
    }

    [Fact]
    public void ContentRenderedForTheJsonEncoderIsItsJsonEmbeddedInAString()
    {
        // Rented for the OTLP/JSON encoder's sink, ContentJsonBuffer writes the JSON already escaped as a string's
        // inside, and still gives the JSON itself to whoever asks for it (a value to cut).
        Text(300).Sample(
            text =>
            {
                byte[] plain = Render(ContentJsonBuffer.Rent(), text, out bool plainEmbedded, out _);
                Assert.False(plainEmbedded);
                byte[] viaProtobuf = Render(ContentJsonBuffer.Rent<DestinationAttributeSink<OtlpProtobufAttributeSink>>(), text, out bool protobufEmbedded, out _);
                Assert.False(protobufEmbedded);
                Assert.Equal(plain, viaProtobuf);
                foreach (ContentJsonBuffer forJson in new[] { ContentJsonBuffer.Rent<DestinationAttributeSink<OtlpJsonBufferSink>>(), ContentJsonBuffer.Rent<OtlpJsonBufferSink>() })
                {
                    byte[] unescaped = Render(forJson, text, out bool embedded, out byte[] embeddedBytes);
                    Assert.True(embedded);
                    Assert.Equal(plain, unescaped);
                    Assert.Equal(ViaBuffer(buffer => buffer.WriteEscapedJson(plain)), System.Text.Encoding.UTF8.GetString(embeddedBytes));
                }
            },
            iter: 200,
            threads: 1);

        static byte[] Render(ContentJsonBuffer content, string text, out bool embedded, out byte[] embeddedBytes)
        {
            using (content)
            {
                content.WriteStartArray();
                content.WriteObject(new OtlpBroadcast.OpenAi.ChatMessage { Role = "user", Content = text, Name = text });
                content.WriteObject<OtlpBroadcast.OpenAi.ChatMessage>(null);
                content.WriteObject(new OtlpBroadcast.OpenAi.ChatMessage { Role = text, Content = null });
                content.WriteEndArray();
                embedded = content.TryGetEmbedded(out ReadOnlySpan<byte> bytes);
                embeddedBytes = bytes.ToArray();
                Assert.True(content.LengthBound >= content.GetWrittenUtf8().Length);
                return content.GetWrittenUtf8().ToArray();
            }
        }
    }

    /// <summary>Text of up to <paramref name="maxLength"/> characters mixing plain ASCII, every kind of escape,
    /// non-ASCII text, surrogate pairs and lone surrogates.</summary>
    private static Gen<string> Text(int maxLength)
        => Gen.Char["aZ09 _-.\"\\/\n\t\u0000\u001f\u007f\u0080é\u00a0\u2028東\ufffd\ud800\udc00\ud83d\ude00"].Array[0, maxLength].Select(chars => new string(chars));

    private static void AssertEscapedTwice(string value)
    {
        string once = ViaBuffer(json => json.WriteEscaped(value));
        Assert.Equal(
            ViaBuffer(json => json.WriteEscapedJson(System.Text.Encoding.UTF8.GetBytes(once))),
            ViaBuffer(json => json.WriteEscapedTwice(value)));
    }

    private static void AssertEscapedTwice(byte[] utf8)
    {
        string once = ViaBuffer(json => json.WriteEscaped(utf8));
        Assert.Equal(
            ViaBuffer(json => json.WriteEscapedJson(System.Text.Encoding.UTF8.GetBytes(once))),
            ViaBuffer(json => json.WriteEscapedTwice(utf8)));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(-42L)]
    [InlineData(1_700_000_000_000_000_000L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void IntegersAreWrittenAsTheWriterWritesThem(long value)
        => Assert.Equal(ViaWriter(w => w.WriteNumberValue(value)), ViaBuffer(json => json.WriteInt64(value)));

    [Fact]
    public void UnsignedIntegersOfEveryLengthAreWrittenInDecimal()
    {
        var random = new Random(11);
        var values = new List<ulong> { 0, 9, 10, 99, 100, 99_999_999, 100_000_000, 100_000_001, 9_999_999_999_999_999, 10_000_000_000_000_000, ulong.MaxValue, 1UL << 63 };
        for (int i = 0; i < 100_000; i++)
        {
            // Every length from 1 to 20 digits.
            values.Add(((ulong)random.NextInt64() >> random.Next(0, 63)) | ((ulong)random.Next(0, 2) << 63));
        }

        Span<byte> text = stackalloc byte[20];
        foreach (ulong value in values)
        {
            int written = DecimalDigits.Write(value, text);
            Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.ASCII.GetString(text[..written]));
            Assert.Equal(written, DecimalDigits.Length(value));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(-1.5)]
    [InlineData(2.25e-05)]
    [InlineData(0.1 + 0.2)]
    [InlineData(1e300)]
    [InlineData(-1e-300)]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    [InlineData(123456789012345678.0)]
    public void DoublesAreWrittenAsTheWriterWritesThem(double value)
        => Assert.Equal(ViaWriter(w => w.WriteNumberValue(value)), ViaBuffer(json => json.WriteDouble(value)));

    [Fact]
    public void ARepeatedDoubleIsWrittenAgainAlike()
    {
        // The buffer keeps the text of the last double: repeats, alternations and signed zeros must not mix up.
        double[] values = [0.00011250000000000001, 0.00011250000000000001, 0.7, 0.00011250000000000001, 0.0, -0.0, -0.0, 0.0, 1e300, 1e300];
        Assert.Equal(
            ViaWriter(w => { w.WriteStartArray(); Array.ForEach(values, w.WriteNumberValue); w.WriteEndArray(); }),
            ViaBuffer(json =>
            {
                json.WriteByte((byte)'[');
                foreach (double value in values)
                {
                    json.WriteValueSeparator();
                    json.WriteDouble(value);
                }

                json.WriteByte((byte)']');
            }));
    }

    [Fact]
    public void SpanTimesWrittenAgainAreWrittenAlike()
    {
        // The buffer keeps the texts of the last two times: repeats, alternations and new values must not mix up.
        long[] times = [1_764_331_200_000_000_000, 1_764_331_200_842_500_000, 1_764_331_200_000_000_000, 1_764_331_200_842_500_000, 5, 1_764_331_200_842_500_000, -1, long.MinValue, 5, -1, 0, 0];
        Assert.Equal(
            string.Join(",", times.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            ViaBuffer(json =>
            {
                for (int i = 0; i < times.Length; i++)
                {
                    if (i > 0)
                    {
                        json.WriteByte((byte)',');
                    }

                    json.WriteUnixNanos(times[i]);
                }
            }));
    }

    [Fact]
    public void NegativeZeroIsWrittenAsTheWriterWritesIt()
        => Assert.Equal(ViaWriter(w => w.WriteNumberValue(-0.0)), ViaBuffer(json => json.WriteDouble(-0.0)));

    [Fact]
    public void BytesAreWrittenInBase64AsTheWriterWritesThem()
    {
        for (int length = 0; length < 70; length++)
        {
            byte[] bytes = [.. Enumerable.Range(0, length).Select(i => (byte)(i * 37 + 251))];
            Assert.Equal(ViaWriter(w => w.WriteBase64StringValue(bytes)), ViaBuffer(json => { json.WriteByte((byte)'"'); json.WriteBase64(bytes); json.WriteByte((byte)'"'); }));
        }
    }

    [Fact]
    public void TheBufferGrowsAndAHugeOneIsNotKept()
    {
        var json = new JsonBuffer();
        string large = new string('é', 700_000);
        json.WriteString(large);
        Assert.Equal(ViaWriter(w => w.WriteStringValue(large)), System.Text.Encoding.UTF8.GetString(json.WrittenSpan));

        json.Clear();
        Assert.Equal(0, json.Length);
        Assert.True(json.Capacity <= 1024 * 1024, $"kept {json.Capacity} bytes");
        json.WriteString("after");
        Assert.Equal("\"after\"", System.Text.Encoding.UTF8.GetString(json.WrittenSpan));
    }

    [Fact]
    public void AHugeRunEscapedTwiceLeavesNoHugeBufferBehind()
    {
        // A run of non-ASCII text goes through a second buffer, emptied at once: a huge one is not kept.
        string large = new string('東', 700_000);
        var json = new JsonBuffer();
        json.WriteEscapedTwice(large);
        AssertEscapedTwice(large);
        Assert.True(json.ScratchCapacity is > 0 and <= 1024 * 1024, $"kept {json.ScratchCapacity} bytes aside");
    }

    private static void WriteQuoted(JsonBuffer json, ReadOnlySpan<byte> utf8)
    {
        json.WriteByte((byte)'"');
        json.WriteEscaped(utf8);
        json.WriteByte((byte)'"');
    }

    private static string ViaWriter(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string ViaBuffer(Action<JsonBuffer> write)
    {
        var json = new JsonBuffer();
        write(json);
        byte[] bytes = EncodingTestHelpers.AssertValidUtf8WithoutBom(json.WrittenSpan.ToArray());
        return System.Text.Encoding.UTF8.GetString(bytes);
    }
}

using System.Buffers;
using System.Text.Json;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// The encoder's fast path (<see cref="OtlpJsonBufferSink"/>, constant pieces and precomposed key openings copied
/// into a <see cref="JsonBuffer"/>) must write exactly the bytes of the general path (<see cref="OtlpJsonAttributeSink"/>
/// over a <see cref="Utf8JsonWriter"/>, which writes a precomposed key as a plain key), for every sink call and value.
/// </summary>
public class BufferSinkEquivalenceTests
{
    public static TheoryData<string> Texts => new()
    {
        "",
        "gpt-4o",
        "with \"quotes\", \\, \n, \u0001 and \u007f",
        "non-ASCII é 東京 \u2028 \ufffd 😀",
        "lone \ud800 surrogate",
        new string('x', 3000),
    };

    public static TheoryData<double> Doubles => new()
    {
        0.0, -1.5, 0.7, 2.25e-05, 1e300, double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
    };

    public static TheoryData<long> Integers => new() { 0L, -42L, long.MinValue, long.MaxValue };

    [Theory]
    [MemberData(nameof(Texts))]
    public void StringsAndUtf8AndCharactersAreWrittenAlike(string text)
        => AssertSameBytes(new Strings(text));

    [Theory]
    [MemberData(nameof(Doubles))]
    public void DoublesIncludingNonFiniteAreWrittenAlike(double value)
        => AssertSameBytes(new Numbers(value, 7));

    [Theory]
    [MemberData(nameof(Integers))]
    public void IntegersIncludingNegativeAreWrittenAlike(long value)
        => AssertSameBytes(new Numbers(0.5, value));

    [Theory]
    [MemberData(nameof(Texts))]
    public void ArraysListsAndAnyValuesAreWrittenAlike(string text)
        => AssertSameBytes(new Structures(text));

    [Fact]
    public void KeysThatNeedEscapingOrAreInvalidAreWrittenAlike()
        => AssertSameBytes(new OddKeys());

    [Fact]
    public void AnEmptySourceWritesAnEmptyArray()
        => Assert.Equal("[]", AssertSameBytes(default(NoAttributes)));

    [Theory]
    [MemberData(nameof(Texts))]
    public void ContentJsonIsWrittenAsTheWriterContentSinkWritesIt(string text)
    {
        // Plain JSON objects (sensitive members rendered as one JSON string): JsonBufferContentSink against
        // JsonContentAttributeSink over a Utf8JsonWriter.
        AssertSameContent(new Strings(text));
        AssertSameContent(new Structures(text));
    }

    [Theory]
    [MemberData(nameof(Doubles))]
    public void ContentNumbersAreWrittenAsTheWriterContentSinkWritesThem(double value)
    {
        AssertSameContent(new Numbers(value, -7));
        AssertSameContent(new Numbers(value, long.MinValue));
    }

    [Fact]
    public void ContentKeysThatNeedEscapingAreWrittenAlike()
        => AssertSameContent(new EscapedKeys());

    private static void AssertSameContent<TSource>(TSource source) where TSource : struct, IAttributeSource
    {
        var general = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(general, OtlpJsonNames.WriterOptions))
        {
            writer.WriteStartObject();
            var sink = new JsonContentAttributeSink(writer);
            source.WriteTo(ref sink);
            writer.WriteEndObject();
        }

        var json = new JsonBuffer();
        json.WriteByte((byte)'{');
        var fast = new JsonBufferContentSink<PlainJsonText>(json);
        source.WriteTo(ref fast);
        json.WriteByte((byte)'}');

        string expected = System.Text.Encoding.UTF8.GetString(general.WrittenSpan);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(EncodingTestHelpers.AssertValidUtf8WithoutBom(json.WrittenSpan.ToArray())));
        using JsonDocument parsed = JsonDocument.Parse(expected);

        // Rendered for the OTLP/JSON encoder: the same JSON, escaped as the inside of a string in the same pass.
        var embedded = new JsonBuffer();
        embedded.WriteByte((byte)'{');
        var embedding = new JsonBufferContentSink<EmbeddedJsonText>(embedded);
        source.WriteTo(ref embedding);
        embedded.WriteByte((byte)'}');
        var escapedAfter = new JsonBuffer();
        escapedAfter.WriteEscapedJson(general.WrittenSpan);
        Assert.Equal(escapedAfter.WrittenSpan.ToArray(), embedded.WrittenSpan.ToArray());
    }

    /// <summary>Writes <paramref name="source"/> through both sinks, asserts the bytes are equal, returns them.</summary>
    private static string AssertSameBytes<TSource>(TSource source) where TSource : struct, IAttributeSource
    {
        var general = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(general, OtlpJsonNames.WriterOptions))
        {
            writer.WriteStartArray();
            var sink = new OtlpJsonAttributeSink(writer);
            source.WriteTo(ref sink);
            writer.WriteEndArray();
        }

        var json = new JsonBuffer();
        json.WriteByte((byte)'[');
        var fast = new OtlpJsonBufferSink(json);
        source.WriteTo(ref fast);
        json.WriteByte((byte)']');

        string expected = System.Text.Encoding.UTF8.GetString(general.WrittenSpan);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(EncodingTestHelpers.AssertValidUtf8WithoutBom(json.WrittenSpan.ToArray())));
        using JsonDocument parsed = JsonDocument.Parse(expected);
        return expected;
    }

    private readonly struct Strings(string text) : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.Write("s"u8, text);
            sink.Write("chars"u8, text.AsSpan());
            sink.WriteUtf8("utf8"u8, System.Text.Encoding.UTF8.GetBytes(text));
            sink.Write(new PrecomposedKey("pre"u8, "{\"key\":\"pre\",\"value\":{\"stringValue\":\""u8), text);
            sink.Write("null"u8, (string?)null);
            sink.Write(new PrecomposedKey("pre.null"u8, "{\"key\":\"pre.null\",\"value\":{\"stringValue\":\""u8), (string?)null);
            sink.Write("any"u8, AttributeValue.FromString(text));
            // Rented for the sink as generated writers rent it: the OTLP/JSON sink gets it already escaped.
            using (ContentJsonBuffer content = ContentJsonBuffer.Rent<TSink>())
            {
                content.WriteStartArray();
                content.WriteObject(new OtlpBroadcast.OpenAi.ChatMessage { Role = "user", Content = text });
                content.WriteEndArray();
                sink.WriteContentJson("content"u8, content);
            }

            sink.Write("none"u8, default(AttributeValue));
        }
    }

    private readonly struct Numbers(double number, long integer) : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.Write("d"u8, number);
            sink.Write(new PrecomposedKey("d.pre"u8, "{\"key\":\"d.pre\",\"value\":{\"doubleValue\":"u8), number);
            sink.Write("d.any"u8, AttributeValue.FromDouble(number));
            sink.Write("i"u8, integer);
            sink.Write(new PrecomposedKey("i.pre"u8, "{\"key\":\"i.pre\",\"value\":{\"intValue\":\""u8), integer);
            sink.Write("i.any"u8, AttributeValue.FromInt(integer));
            sink.Write("b"u8, integer > 0);
            sink.Write(new PrecomposedKey("b.pre"u8, "{\"key\":\"b.pre\",\"value\":{\"boolValue\":"u8), integer > 0);
            sink.Write(new PrecomposedKey("b.pre2"u8, "{\"key\":\"b.pre2\",\"value\":{\"boolValue\":"u8), integer <= 0);
            sink.Write("b.any"u8, AttributeValue.FromBool(integer > 0));
            sink.WriteBytes("bytes"u8, BitConverter.GetBytes(integer));
            sink.Write("bytes.any"u8, AttributeValue.FromBytes(BitConverter.GetBytes(number)));
        }
    }

    private readonly struct Structures(string text) : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.BeginArray("empty"u8);
            sink.EndArray();

            sink.BeginArray("items"u8);
            sink.WriteArrayItem(text);
            sink.WriteArrayItem((string?)null);
            sink.WriteArrayItem(text.AsSpan());
            sink.WriteArrayItem(true);
            sink.WriteArrayItem(false);
            sink.WriteArrayItem(long.MinValue);
            sink.WriteArrayItem(0.25);
            sink.WriteArrayItem(double.NaN);
            sink.WriteArrayItem(double.NegativeInfinity);
            sink.WriteArrayItem(default(AttributeValue));
            sink.WriteArrayItem(AttributeValue.FromArray(text, 1L, AttributeValue.FromBytes([1, 2, 3])));
            sink.WriteArrayItem(AttributeValue.FromKeyValueList(new SpanAttribute("k", text), new SpanAttribute("none", default)));
            sink.EndArray();

            sink.BeginKeyValueList("list"u8);
            sink.Write("inner"u8, text);
            sink.Write(new PrecomposedKey("inner.pre"u8, "{\"key\":\"inner.pre\",\"value\":{\"intValue\":\""u8), -1L);
            sink.BeginArray("inner.array"u8);
            sink.WriteArrayItem(2.5);
            sink.EndArray();
            sink.BeginKeyValueList("inner.list"u8);
            sink.EndKeyValueList();
            sink.EndKeyValueList();

            sink.Write("any.array"u8, AttributeValue.FromArray());
            sink.Write("any.nested"u8, AttributeValue.FromKeyValueList(
                new SpanAttribute("a", AttributeValue.FromArray(AttributeValue.FromArray(text), default)),
                new SpanAttribute("b \"quoted\"", double.PositiveInfinity),
                new SpanAttribute("c", AttributeValue.FromKeyValueList())));
        }
    }

    private readonly struct EscapedKeys : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.Write("a\"b\\c\nd"u8, "v");
            sink.Write("é東京😀"u8, true);
            sink.Write(""u8, 1.5);
            sink.BeginArray("\u0001"u8);
            sink.EndArray();
            AttributeKeys.Write(ref sink, "lone \ud800", AttributeValue.FromString("x"));
        }
    }

    private readonly struct OddKeys : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            sink.Write("a\"b\\c\nd"u8, "v");
            sink.Write([(byte)'a', 0xFF, (byte)'b'], 1L);
            sink.Write("é東京😀"u8, true);
            sink.Write(""u8, 1.5);
            sink.BeginArray("\u0001"u8);
            sink.EndArray();
            sink.BeginKeyValueList([0xC3]);
            sink.EndKeyValueList();
            AttributeKeys.Write(ref sink, "lone \ud800", AttributeValue.FromString("x"));
        }
    }
}

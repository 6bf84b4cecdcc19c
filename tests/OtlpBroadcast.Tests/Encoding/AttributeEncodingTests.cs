using System.Text.Json;
using static OtlpBroadcast.Tests.OtlpEncoding.EncodingTestHelpers;

namespace OtlpBroadcast.Tests.OtlpEncoding;

public class AttributeEncodingTests
{
    // ---- exact bytes of the simple shapes ----

    [Fact]
    public void StringAttributeHasTheExactOtlpShape()
    {
        byte[] bytes = WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write("gen_ai.request.model"u8, "gpt-4o"), out int count);
        Assert.Equal("""[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}}]""", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(1, count);
    }

    [Fact]
    public void ScalarAttributesHaveTheExactOtlpShape()
    {
        byte[] bytes = WriteAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.Write("b"u8, true);
                s.Write("i"u8, 42L);
                s.Write("d"u8, 0.5);
                s.WriteBytes("x"u8, [1, 2, 3]);
            },
            out int count);

        Assert.Equal(
            """[{"key":"b","value":{"boolValue":true}},{"key":"i","value":{"intValue":"42"}},{"key":"d","value":{"doubleValue":0.5}},{"key":"x","value":{"bytesValue":"AQID"}}]""",
            System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(4, count);
    }

    // ---- strings ----

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("with \"quotes\" and \\backslashes\\ and /slashes/")]
    [InlineData("<script>&amp;'</script>")]
    public void StringsRoundTrip(string value)
    {
        JsonElement fromString = ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value));
        JsonElement fromChars = ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value.AsSpan()));
        JsonElement fromUtf8 = ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.WriteUtf8("k"u8, System.Text.Encoding.UTF8.GetBytes(value)));
        JsonElement fromAny = ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, AttributeValue.FromString(value)));

        Assert.Equal(value, StringValueOf(ValueOf(fromString, "k")));
        Assert.Equal(value, StringValueOf(ValueOf(fromChars, "k")));
        Assert.Equal(value, StringValueOf(ValueOf(fromUtf8, "k")));
        Assert.Equal(value, StringValueOf(ValueOf(fromAny, "k")));
    }

    [Fact]
    public void NullStringWritesNothing()
    {
        byte[] bytes = WriteAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.Write("absent"u8, (string?)null);
                s.Write("present"u8, "yes");
                s.Write("absent.too"u8, (string?)null);
            },
            out int count);

        Assert.Equal("""[{"key":"present","value":{"stringValue":"yes"}}]""", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(1, count);
    }

    [Fact]
    public void NoneValueWritesNothing()
    {
        byte[] bytes = WriteAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.Write("none"u8, default(AttributeValue));
                s.Write("null.string"u8, AttributeValue.FromString(null));
            },
            out int count);

        Assert.Equal("[]", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(0, count);
    }

    // ---- booleans and integers ----

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BooleansAreJsonBooleans(bool value)
    {
        JsonElement direct = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value)), "k"), "boolValue");
        JsonElement any = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, AttributeValue.FromBool(value))), "k"), "boolValue");

        Assert.Equal(value ? JsonValueKind.True : JsonValueKind.False, direct.ValueKind);
        Assert.Equal(value ? JsonValueKind.True : JsonValueKind.False, any.ValueKind);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1L, "1")]
    [InlineData(-1L, "-1")]
    [InlineData(1234567890123L, "1234567890123")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void IntegersAreDecimalStrings(long value, string expected)
    {
        JsonElement direct = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value)), "k"), "intValue");
        JsonElement any = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, AttributeValue.FromInt(value))), "k"), "intValue");

        Assert.Equal(JsonValueKind.String, direct.ValueKind);
        Assert.Equal(expected, direct.GetString());
        Assert.Equal(JsonValueKind.String, any.ValueKind);
        Assert.Equal(expected, any.GetString());
    }

    // ---- doubles ----

    public static TheoryData<double> FiniteDoubles => new()
    {
        0.0,
        -0.0,
        1.0,
        -2.5,
        0.1,
        1.0 / 3.0,
        123456789.125,
        1e300,
        -1e-300,
        double.Epsilon,
        double.MaxValue,
        double.MinValue,
    };

    [Theory]
    [MemberData(nameof(FiniteDoubles))]
    public void FiniteDoublesAreJsonNumbersThatRoundTrip(double value)
    {
        JsonElement direct = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value)), "k"), "doubleValue");
        JsonElement any = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, AttributeValue.FromDouble(value))), "k"), "doubleValue");

        Assert.Equal(JsonValueKind.Number, direct.ValueKind);
        Assert.Equal(value, direct.GetDouble());
        Assert.Equal(JsonValueKind.Number, any.ValueKind);
        Assert.Equal(value, any.GetDouble());
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void NonFiniteDoublesBecomeStrings(double value, string expected)
    {
        byte[] bytes = WriteAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.Write("direct"u8, value);
                s.Write("any"u8, AttributeValue.FromDouble(value));
                s.BeginArray("array"u8);
                s.WriteArrayItem(value);
                s.WriteArrayItem(AttributeValue.FromDouble(value));
                s.EndArray();
            },
            out _);

        // Never a bare NaN/Infinity token (which is not JSON and makes a receiver reject the whole request).
        string text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain(":" + expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("doubleValue", text, StringComparison.Ordinal);

        using JsonDocument document = JsonDocument.Parse(bytes);
        JsonElement root = document.RootElement;
        Assert.Equal(expected, StringValueOf(ValueOf(root[0], "direct")));
        Assert.Equal(expected, StringValueOf(ValueOf(root[1], "any")));
        JsonElement[] items = ArrayItemsOf(ValueOf(root[2], "array"));
        Assert.Equal(2, items.Length);
        Assert.All(items, item => Assert.Equal(expected, StringValueOf(item)));
    }

    // ---- bytes ----

    [Theory]
    [InlineData(new byte[0], "")]
    [InlineData(new byte[] { 0x00 }, "AA==")]
    [InlineData(new byte[] { 0xFF, 0xFE, 0xFD, 0x00, 0x7F }, "//79AH8=")]
    public void BytesAreBase64(byte[] value, string expected)
    {
        JsonElement direct = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.WriteBytes("k"u8, value)), "k"), "bytesValue");
        JsonElement any = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("k"u8, AttributeValue.FromBytes(value))), "k"), "bytesValue");

        Assert.Equal(expected, direct.GetString());
        Assert.Equal(expected, any.GetString());
        Assert.Equal(value, direct.GetBytesFromBase64());
    }

    [Fact]
    public void LongBytesAreBase64()
    {
        byte[] value = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))];
        JsonElement bytesValue = OnlyProperty(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.WriteBytes("k"u8, value)), "k"), "bytesValue");
        Assert.Equal(Convert.ToBase64String(value), bytesValue.GetString());
    }

    // ---- arrays ----

    [Fact]
    public void ArrayWithMixedItemsThroughTheSink()
    {
        JsonElement keyValue = ParseSingleAttribute(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.BeginArray("mixed"u8);
                s.WriteArrayItem("text");
                s.WriteArrayItem((string?)null);
                s.WriteArrayItem("chars".AsSpan());
                s.WriteArrayItem(true);
                s.WriteArrayItem(long.MinValue);
                s.WriteArrayItem(2.25);
                s.WriteArrayItem(default(AttributeValue));
                s.WriteArrayItem(AttributeValue.FromArray(1L, "nested"));
                s.EndArray();
            });

        JsonElement[] items = ArrayItemsOf(ValueOf(keyValue, "mixed"));
        Assert.Equal(8, items.Length);
        Assert.Equal("text", StringValueOf(items[0]));
        Assert.Equal("", StringValueOf(items[1]));
        Assert.Equal("chars", StringValueOf(items[2]));
        Assert.Equal(JsonValueKind.True, OnlyProperty(items[3], "boolValue").ValueKind);
        Assert.Equal("-9223372036854775808", OnlyProperty(items[4], "intValue").GetString());
        Assert.Equal(2.25, OnlyProperty(items[5], "doubleValue").GetDouble());
        Assert.Equal("", StringValueOf(items[6]));
        JsonElement[] nested = ArrayItemsOf(items[7]);
        Assert.Equal("1", OnlyProperty(nested[0], "intValue").GetString());
        Assert.Equal("nested", StringValueOf(nested[1]));
    }

    [Fact]
    public void EmptyArray()
    {
        byte[] bytes = WriteAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.BeginArray("empty"u8);
                s.EndArray();
            },
            out int count);

        Assert.Equal("""[{"key":"empty","value":{"arrayValue":{"values":[]}}}]""", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(1, count);
    }

    [Fact]
    public void ArrayValueWithEveryKindNestedAndNullItems()
    {
        AttributeValue value = AttributeValue.FromArray(
            "s",
            AttributeValue.FromString(null),
            default,
            false,
            7L,
            -0.5,
            double.NaN,
            AttributeValue.FromBytes([0xAB]),
            AttributeValue.FromArray(AttributeValue.FromArray("deep"), default),
            AttributeValue.FromKeyValueList(new SpanAttribute("inner", 3L)));

        JsonElement[] items = ArrayItemsOf(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("arr"u8, value)), "arr"));

        Assert.Equal(10, items.Length);
        Assert.Equal("s", StringValueOf(items[0]));
        Assert.Equal("", StringValueOf(items[1]));
        Assert.Equal("", StringValueOf(items[2]));
        Assert.Equal(JsonValueKind.False, OnlyProperty(items[3], "boolValue").ValueKind);
        Assert.Equal("7", OnlyProperty(items[4], "intValue").GetString());
        Assert.Equal(-0.5, OnlyProperty(items[5], "doubleValue").GetDouble());
        Assert.Equal("NaN", StringValueOf(items[6]));
        Assert.Equal("qw==", OnlyProperty(items[7], "bytesValue").GetString());

        JsonElement[] level1 = ArrayItemsOf(items[8]);
        Assert.Equal(2, level1.Length);
        Assert.Equal("deep", StringValueOf(Assert.Single(ArrayItemsOf(level1[0]))));
        Assert.Equal("", StringValueOf(level1[1]));

        JsonElement entry = Assert.Single(KeyValueEntriesOf(items[9]));
        Assert.Equal("3", OnlyProperty(ValueOf(entry, "inner"), "intValue").GetString());
    }

    // ---- key-value lists ----

    [Fact]
    public void KeyValueListThroughTheSinkWithNesting()
    {
        byte[] bytes = WriteAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.BeginKeyValueList("outer"u8);
                s.Write("name"u8, "value");
                s.Write("skipped"u8, (string?)null);
                s.Write("count"u8, 2L);
                s.BeginKeyValueList("inner"u8);
                s.Write("flag"u8, true);
                s.EndKeyValueList();
                s.BeginArray("list"u8);
                s.WriteArrayItem(1.5);
                s.EndArray();
                s.EndKeyValueList();
                s.Write("after"u8, "x");
            },
            out int count);

        using JsonDocument document = JsonDocument.Parse(bytes);
        JsonElement root = document.RootElement;
        Assert.Equal(2, root.GetArrayLength());

        JsonElement[] entries = KeyValueEntriesOf(ValueOf(root[0], "outer"));
        Assert.Equal(4, entries.Length);
        Assert.Equal("value", StringValueOf(ValueOf(entries[0], "name")));
        Assert.Equal("2", OnlyProperty(ValueOf(entries[1], "count"), "intValue").GetString());
        JsonElement innerEntry = Assert.Single(KeyValueEntriesOf(ValueOf(entries[2], "inner")));
        Assert.Equal(JsonValueKind.True, OnlyProperty(ValueOf(innerEntry, "flag"), "boolValue").ValueKind);
        Assert.Equal(1.5, OnlyProperty(Assert.Single(ArrayItemsOf(ValueOf(entries[3], "list"))), "doubleValue").GetDouble());
        Assert.Equal("x", StringValueOf(ValueOf(root[1], "after")));

        // outer, name, count, inner, flag, list, after: every KeyValue the sink started.
        Assert.Equal(7, count);
    }

    [Fact]
    public void KeyValueListValueNestedAndNoneEntriesDropped()
    {
        AttributeValue value = AttributeValue.FromKeyValueList(
            new SpanAttribute("a", "1"),
            new SpanAttribute("none", default),
            new SpanAttribute("nested", AttributeValue.FromKeyValueList(
                new SpanAttribute("b", true),
                new SpanAttribute("c", AttributeValue.FromArray(1L, 2L)))),
            new SpanAttribute("empty", AttributeValue.FromKeyValueList()));

        JsonElement[] entries = KeyValueEntriesOf(ValueOf(ParseSingleAttribute((ref OtlpJsonAttributeSink s) => s.Write("kv"u8, value)), "kv"));

        Assert.Equal(3, entries.Length);
        Assert.Equal("1", StringValueOf(ValueOf(entries[0], "a")));
        JsonElement[] nested = KeyValueEntriesOf(ValueOf(entries[1], "nested"));
        Assert.Equal(2, nested.Length);
        Assert.Equal(JsonValueKind.True, OnlyProperty(ValueOf(nested[0], "b"), "boolValue").ValueKind);
        Assert.Equal(["1", "2"], ArrayItemsOf(ValueOf(nested[1], "c")).Select(i => OnlyProperty(i, "intValue").GetString()));
        Assert.Empty(KeyValueEntriesOf(ValueOf(entries[2], "empty")));
    }

    // ---- keys ----

    [Fact]
    public void KeyFromPrefixAndSuffix()
    {
        JsonElement keyValue = ParseSingleAttribute(
            (ref OtlpJsonAttributeSink s) => AttributeKeys.Write(ref s, "trace.metadata."u8, "environment", AttributeValue.FromString("production")));

        Assert.Equal("production", StringValueOf(ValueOf(keyValue, "trace.metadata.environment")));
    }

    [Fact]
    public void KeyFromString()
    {
        JsonElement keyValue = ParseSingleAttribute(
            (ref OtlpJsonAttributeSink s) => AttributeKeys.Write(ref s, "gen_ai.usage.input_tokens", AttributeValue.FromInt(12)));

        Assert.Equal("12", OnlyProperty(ValueOf(keyValue, "gen_ai.usage.input_tokens"), "intValue").GetString());
    }

    [Fact]
    public void KeyFromNullStringThrows()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);
        var sink = new OtlpJsonAttributeSink(writer);
        Assert.Throws<ArgumentNullException>(() => AttributeKeys.Write(ref sink, null!, AttributeValue.FromInt(1)));
    }

    [Fact]
    public void SinkNeedsAWriter()
        => Assert.Throws<ArgumentNullException>(() => new OtlpJsonAttributeSink(null!));

    [Theory]
    [InlineData(241, "x")] // prefix 15 + 241 * 3 (maximum UTF-8 per char) > 256: the pooled path
    [InlineData(300, "key-")]
    [InlineData(100, "é")]
    [InlineData(2000, "東")]
    public void VeryLongKeysUseThePooledPathAndStayExact(int repeat, string piece)
    {
        string suffix = string.Concat(Enumerable.Repeat(piece, repeat));
        string expectedKey = "trace.metadata." + suffix;
        Assert.True(System.Text.Encoding.UTF8.GetMaxByteCount(suffix.Length) + 15 > 256);

        JsonElement viaPrefix = ParseSingleAttribute(
            (ref OtlpJsonAttributeSink s) => AttributeKeys.Write(ref s, "trace.metadata."u8, suffix, AttributeValue.FromString("v")));
        JsonElement viaString = ParseSingleAttribute(
            (ref OtlpJsonAttributeSink s) => AttributeKeys.Write(ref s, expectedKey, AttributeValue.FromBool(true)));

        Assert.Equal("v", StringValueOf(ValueOf(viaPrefix, expectedKey)));
        Assert.Equal(JsonValueKind.True, OnlyProperty(ValueOf(viaString, expectedKey), "boolValue").ValueKind);
    }

    [Fact]
    public void ManyLongKeysInARowDoNotLeakIntoEachOther()
    {
        // A rented buffer is larger than asked for and may hold the previous key: only the written length may show.
        JsonElement array = ParseAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                AttributeKeys.Write(ref s, "p."u8, new string('a', 600), AttributeValue.FromInt(1));
                AttributeKeys.Write(ref s, "p."u8, new string('b', 300), AttributeValue.FromInt(2));
                AttributeKeys.Write(ref s, "p."u8, "c", AttributeValue.FromInt(3));
            });

        Assert.Equal("p." + new string('a', 600), array[0].GetProperty("key").GetString());
        Assert.Equal("p." + new string('b', 300), array[1].GetProperty("key").GetString());
        Assert.Equal("p.c", array[2].GetProperty("key").GetString());
    }

    // ---- through the span encoder ----

    [Fact]
    public void EveryKindThroughOtlpSpanEncoding()
    {
        OtlpSpan span = NewSpan()
            .With("s", "text")
            .With("null", AttributeValue.FromString(null))
            .With("b", true)
            .With("i.min", long.MinValue)
            .With("i.max", long.MaxValue)
            .With("d", 3.5)
            .With("nan", double.NaN)
            .With("inf", double.PositiveInfinity)
            .With("ninf", double.NegativeInfinity)
            .With("bytes", AttributeValue.FromBytes([1, 2, 3, 4]))
            .With("arr", AttributeValue.FromArray("a", default, 1L, AttributeValue.FromArray(true)))
            .With("kv", AttributeValue.FromKeyValueList(new SpanAttribute("x", "y"), new SpanAttribute("z", AttributeValue.FromKeyValueList(new SpanAttribute("w", 1.25)))))
            .With("trace.metadata.environment", "prod");

        JsonElement root = EncodeAndParse(span);
        Dictionary<string, JsonElement> attributes = AttributesByKey(root.GetProperty("attributes"));

        Assert.Equal(
            ["s", "b", "i.min", "i.max", "d", "nan", "inf", "ninf", "bytes", "arr", "kv", "trace.metadata.environment"],
            root.GetProperty("attributes").EnumerateArray().Select(a => a.GetProperty("key").GetString()!));
        Assert.Equal("text", StringValueOf(attributes["s"]));
        Assert.Equal(JsonValueKind.True, OnlyProperty(attributes["b"], "boolValue").ValueKind);
        Assert.Equal("-9223372036854775808", OnlyProperty(attributes["i.min"], "intValue").GetString());
        Assert.Equal("9223372036854775807", OnlyProperty(attributes["i.max"], "intValue").GetString());
        Assert.Equal(3.5, OnlyProperty(attributes["d"], "doubleValue").GetDouble());
        Assert.Equal("NaN", StringValueOf(attributes["nan"]));
        Assert.Equal("Infinity", StringValueOf(attributes["inf"]));
        Assert.Equal("-Infinity", StringValueOf(attributes["ninf"]));
        Assert.Equal("AQIDBA==", OnlyProperty(attributes["bytes"], "bytesValue").GetString());

        JsonElement[] items = ArrayItemsOf(attributes["arr"]);
        Assert.Equal(4, items.Length);
        Assert.Equal("a", StringValueOf(items[0]));
        Assert.Equal("", StringValueOf(items[1]));
        Assert.Equal("1", OnlyProperty(items[2], "intValue").GetString());
        Assert.Equal(JsonValueKind.True, OnlyProperty(Assert.Single(ArrayItemsOf(items[3])), "boolValue").ValueKind);

        JsonElement[] entries = KeyValueEntriesOf(attributes["kv"]);
        Assert.Equal("y", StringValueOf(ValueOf(entries[0], "x")));
        Assert.Equal(1.25, OnlyProperty(ValueOf(Assert.Single(KeyValueEntriesOf(ValueOf(entries[1], "z"))), "w"), "doubleValue").GetDouble());
        Assert.Equal("prod", StringValueOf(attributes["trace.metadata.environment"]));
    }
}

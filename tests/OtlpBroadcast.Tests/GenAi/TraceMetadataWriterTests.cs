using System.Text.Json;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.OtlpEncoding;

namespace OtlpBroadcast.Tests.GenAi;

public class TraceMetadataWriterTests
{
    private static (ReceivedAttributeList Attributes, int Cut) Write(string traceJson, int maxEntries = 64, int maxDepth = 4)
        => Write(TraceField.Parse(traceJson), maxEntries, maxDepth);

    /// <summary>Writes the metadata into a span in both encodings, checks that both decode to the same attributes
    /// and cut count, and returns them.</summary>
    private static (ReceivedAttributeList Attributes, int Cut) Write(TraceField field, int maxEntries = 64, int maxDepth = 4)
    {
        (ReceivedAttributeList json, int jsonCut) = Write(field, maxEntries, maxDepth, SpanEncoding.Json);
        (ReceivedAttributeList protobuf, int protobufCut) = Write(field, maxEntries, maxDepth, SpanEncoding.Protobuf);
        Assert.Equal(Render(json), Render(protobuf));
        Assert.Equal(jsonCut, protobufCut);
        return (json, jsonCut);

        static string[] Render(ReceivedAttributeList attributes) => [.. attributes.Select(a => $"{a.Key}={a.Value}")];
    }

    private static (ReceivedAttributeList Attributes, int Cut) Write(TraceField field, int maxEntries, int maxDepth, SpanEncoding encoding)
    {
        int cut = 0;
        var attributes = new MetadataSource(field, maxEntries, maxDepth, c => cut = c);
        SpanHeader header = SpanHeader.From(new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "s")
        {
            StartTimeUnixNano = 1_000,
            EndTimeUnixNano = 2_000,
        });
        SpanFragment fragment = encoding == SpanEncoding.Json
            ? OtlpJsonSpanEncoder.Encode(header, ref attributes, contentWithheld: false)
            : OtlpProtobufSpanEncoder.Encode(header, ref attributes, contentWithheld: false);
        try
        {
            return (EncodingTestHelpers.DecodeOne(fragment).Attributes, cut);
        }
        finally
        {
            fragment.Release();
        }
    }

    [Fact]
    public void CustomKeysBecomeTraceMetadataAttributes()
    {
        (ReceivedAttributeList attributes, _) = Write("""{"trace_id":"x","environment":"staging","deployment":"us-east-1"}""");

        Assert.Equal(["trace.metadata.deployment", "trace.metadata.environment"], attributes.Keys);
        Assert.Equal("staging", attributes["trace.metadata.environment"].AsString());
        Assert.Equal("us-east-1", attributes["trace.metadata.deployment"].AsString());
    }

    [Fact]
    public void ValuesKeepTheirTypes()
    {
        (ReceivedAttributeList a, _) = Write("""{"s":"v","t":true,"f":false,"i":42,"big":-9007199254740993,"d":2.5,"n":null}""");

        Assert.Equal("v", a["trace.metadata.s"].AsString());
        Assert.True(a["trace.metadata.t"].AsBool());
        Assert.False(a["trace.metadata.f"].AsBool());
        Assert.Equal(42, a["trace.metadata.i"].AsInt());
        Assert.Equal(-9007199254740993, a["trace.metadata.big"].AsInt());
        Assert.Equal(2.5, a["trace.metadata.d"].AsDouble());
        Assert.False(a.ContainsKey("trace.metadata.n"));
    }

    [Fact]
    public void NestedObjectsAreFlattenedWithDots()
    {
        (ReceivedAttributeList a, _) = Write("""{"team":{"name":"search","owner":{"id":7}}}""");

        Assert.Equal("search", a["trace.metadata.team.name"].AsString());
        Assert.Equal(7, a["trace.metadata.team.owner.id"].AsInt());
        Assert.Equal(2, a.Count);
    }

    [Fact]
    public void ArraysBecomeOtlpArrays()
    {
        (ReceivedAttributeList a, _) = Write("""{"tags":["a","b"],"mixed":[1,true,null,{"k":1}]}""");

        Assert.Equal(["a", "b"], a["trace.metadata.tags"].AsArray().Select(v => v.AsString()));
        IReadOnlyList<ReceivedValue> mixed = a["trace.metadata.mixed"].AsArray();
        Assert.Equal(1, mixed[0].AsInt());
        Assert.True(mixed[1].AsBool());
        Assert.Equal("", mixed[2].AsString());
        Assert.Equal("""{"k":1}""", mixed[3].AsString());
    }

    [Fact]
    public void NestingBelowTheDepthLimitIsKeptAsJsonText()
    {
        (ReceivedAttributeList a, int cut) = Write("""{"a":{"b":{"c":1}}}""", maxDepth: 2);

        Assert.Equal("""{"c":1}""", a["trace.metadata.a.b"].AsString());
        Assert.Equal(0, cut);
    }

    [Fact]
    public void EntriesPastTheLimitAreCutAndCounted()
    {
        (ReceivedAttributeList a, int cut) = Write("""{"a":1,"b":2,"c":3,"d":{"e":4}}""", maxEntries: 2);

        Assert.Equal(["trace.metadata.a", "trace.metadata.b"], a.Keys);
        Assert.Equal(2, cut);
    }

    [Fact]
    public void LongAndNonAsciiKeysAreWrittenWhole()
    {
        string longKey = new('k', 600);
        (ReceivedAttributeList a, _) = Write("{\"" + longKey + "\":{\"é\":\"ü\"}}");
        Assert.Equal("ü", a[$"trace.metadata.{longKey}.é"].AsString());
    }

    [Fact]
    public void ShortKeysOutsideAsciiAreWrittenWholeAndSurrogatePairsAreNotReplaced()
    {
        // Short ASCII keys are narrowed by a loop; any other key, including one with a whole surrogate pair, is
        // transcoded as it is (only a lone surrogate becomes U+FFFD).
        var field = new TraceField();
        field.Metadata["r\u00e9gion"] = JsonDocument.Parse("\"eu\"").RootElement;
        field.Metadata["mood\uD83D\uDE00"] = JsonDocument.Parse("\"happy\"").RootElement;
        field.Metadata["plain"] = JsonDocument.Parse("\"text\"").RootElement;

        (ReceivedAttributeList a, int cut) = Write(field);

        Assert.Equal(0, cut);
        Assert.Equal("eu", a["trace.metadata.r\u00e9gion"].AsString());
        Assert.Equal("happy", a["trace.metadata.mood\uD83D\uDE00"].AsString());
        Assert.Equal("text", a["trace.metadata.plain"].AsString());
        Assert.Equal(3, a.Count);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    public void KeysAreWrittenInOrdinalOrder(int count)
    {
        // A few keys are sorted on the stack, many in a pooled array: both in ordinal order ("B" before "a").
        string[] keys = [.. Enumerable.Range(0, count).Select(i => (i % 2 == 0 ? "k" : "K") + (count - i).ToString("D2", System.Globalization.CultureInfo.InvariantCulture))];
        (ReceivedAttributeList a, _) = Write("{" + string.Join(",", keys.Select(k => $"\"{k}\":1")) + "}");

        Assert.Equal(keys.Order(StringComparer.Ordinal).Select(k => "trace.metadata." + k), a.Keys);
    }

    [Fact]
    public void EscapedStringsAndNamesAreUnescaped()
    {
        // Values are written from the document's UTF-8; escape sequences are resolved without making a string.
        (ReceivedAttributeList a, _) = Write("""{"quoted":"say \"hi\"\n\u00e9 \ud83d\ude00","te\u0061m":{"n\"x":"\\"},"long":"\u0041""" + new string('x', 400) + "\"}");

        Assert.Equal("say \"hi\"\né 😀", a["trace.metadata.quoted"].AsString());
        Assert.Equal("\\", a["trace.metadata.team.n\"x"].AsString());
        Assert.Equal("A" + new string('x', 400), a["trace.metadata.long"].AsString());
    }

    [Fact]
    public void AKeyOrStringThatEscapesALoneSurrogateIsLeftOutAndCountedNotFatal()
    {
        // The top level is read by the converter (a bad key there fails the parse); nested keys and every string are
        // read only when the spans are written.
        (ReceivedAttributeList a, int cut) = Write("""{"team":{"\udc00x":1,"name":"ok"},"bad":"\ud800","list":["\ud938a"],"good":"yes"}""");

        Assert.Equal(["trace.metadata.good", "trace.metadata.team.name"], a.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, cut);
    }

    [Fact]
    public void AFlattenedKeyThatRepeatsOneAlreadyWrittenIsLeftOutAndCounted()
    {
        // OTLP allows each key once per span: "a.b" and {"a":{"b":…}} both flatten to trace.metadata.a.b, and a nested
        // object may repeat a key. The first written, in ordinal key order, is kept.
        (ReceivedAttributeList a, int cut) = Write("""{"a.b":1,"a":{"b":2,"c":3,"c":4}}""");

        Assert.Equal(["trace.metadata.a.b", "trace.metadata.a.c"], a.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, a["trace.metadata.a.b"].AsInt());
        Assert.Equal(3, a["trace.metadata.a.c"].AsInt());
        Assert.Equal(2, cut);
    }

    [Fact]
    public void TopLevelKeysThatMeetOnceTheirLoneSurrogatesAreReplacedAreWrittenOnce()
    {
        // Keys set from code can hold lone surrogates, which become U+FFFD in UTF-8: "k\uD800" and "k\uDBFF" meet, and
        // meet "k\uFFFD" too. Flat metadata is otherwise written without remembering its keys (they are distinct).
        var field = new TraceField();
        field.Metadata["k\uD800"] = JsonDocument.Parse("1").RootElement;
        field.Metadata["k\uDBFF"] = JsonDocument.Parse("2").RootElement;
        field.Metadata["k\uFFFD"] = JsonDocument.Parse("3").RootElement;
        field.Metadata["plain"] = JsonDocument.Parse("4").RootElement;

        (ReceivedAttributeList a, int cut) = Write(field);

        Assert.Equal(["trace.metadata.k\uFFFD", "trace.metadata.plain"], a.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, a["trace.metadata.k\uFFFD"].AsInt());
        Assert.Equal(2, cut);
    }

    [Fact]
    public void ANumberBeyondADoubleIsKeptAsWritten()
    {
        (ReceivedAttributeList a, int cut) = Write("""{"huge":1e400,"tiny":-1e400,"items":[1e400,2.5],"deep":{"a":{"b":{"c":{"d":{"e":1e400}}}}}}""");

        Assert.Equal(0, cut);
        Assert.Equal(4, a.Count);

        // As its text, not "Infinity": 1e400 and 1e500 stay different values.
        Assert.Equal("1e400", a["trace.metadata.huge"].AsString());
        Assert.Equal("-1e400", a["trace.metadata.tiny"].AsString());
        Assert.Equal("1e400", a["trace.metadata.items"].AsArray()[0].AsString());
        Assert.Equal(2.5, a["trace.metadata.items"].AsArray()[1].AsDouble());
        Assert.Contains("1e400", a["trace.metadata.deep.a.b.c"].AsString(), StringComparison.Ordinal);
    }

    [Fact]
    public void KeysNestedUnderAnEmptyKeyKeepTheirDotAndDoNotMeetTopLevelKeys()
    {
        (ReceivedAttributeList a, int cut) = Write("""{"":{"a":1},"a":2,"b":{"":{"c":3}}}""");

        Assert.Equal(0, cut);
        Assert.Equal(1, a["trace.metadata..a"].AsInt());
        Assert.Equal(2, a["trace.metadata.a"].AsInt());
        Assert.Equal(3, a["trace.metadata.b..c"].AsInt());
    }

    [Fact]
    public void AnEntryWhoseKeyIsLongerThanTheKeyLimitIsLeftOutAndCounted()
    {
        string longest = new('\u00e9', TraceMetadataWriter.MaxKeyLength);
        (ReceivedAttributeList a, int cut) = Write(
            "{\"" + longest + "\":1,\"" + longest + "x\":2,\"a\":{\"" + new string('b', TraceMetadataWriter.MaxKeyLength) + "\":3},\"z\":4}");

        Assert.Equal(["trace.metadata.z", "trace.metadata." + longest], a.Keys);
        Assert.Equal(2, cut);
    }

    [Fact]
    public void AnEmptyStringIsWrittenEmpty()
    {
        (ReceivedAttributeList a, int cut) = Write("""{"e":"","f":"x"}""");

        Assert.Equal(string.Empty, a["trace.metadata.e"].AsString());
        Assert.Equal("x", a["trace.metadata.f"].AsString());
        Assert.Equal(0, cut);
    }

    [Fact]
    public void NumbersThatFitAnIntegerAreIntegersAndTheOthersDoubles()
    {
        (ReceivedAttributeList a, _) = Write("""{"z":-0,"w":1.0,"x":1e2,"y":9223372036854775807,"v":9223372036854775808}""");

        Assert.Equal(0, a["trace.metadata.z"].AsInt());
        Assert.Equal(1.0, a["trace.metadata.w"].AsDouble());
        Assert.Equal(100.0, a["trace.metadata.x"].AsDouble());
        Assert.Equal(long.MaxValue, a["trace.metadata.y"].AsInt());
        Assert.Equal(9223372036854775808.0, a["trace.metadata.v"].AsDouble());
    }

    [Fact]
    public void InvalidUtf8InAStringBecomesReplacementCharacters()
    {
        // The parser does not check the UTF-8 inside strings; the sinks replace what is not valid, in both encodings.
        var field = new TraceField();
        field.Metadata["bad"] = JsonDocument.Parse(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 }).RootElement;
        field.Metadata["mixed"] = JsonDocument.Parse(new byte[] { 0x22, 0x61, 0xFF, 0x62, 0x22 }).RootElement;

        (ReceivedAttributeList a, int cut) = Write(field);

        Assert.Equal("\uFFFD\uFFFD\uFFFD", a["trace.metadata.bad"].AsString());
        Assert.Equal("a\uFFFDb", a["trace.metadata.mixed"].AsString());
        Assert.Equal(0, cut);
    }

    [Fact]
    public void AnEscapedNonAsciiNameInANestedObjectIsUnescaped()
    {
        (ReceivedAttributeList a, _) = Write("""{"t":{"\u00e9":1,"\ud83d\ude00":2}}""");

        Assert.Equal(1, a["trace.metadata.t.\u00e9"].AsInt());
        Assert.Equal(2, a["trace.metadata.t.\ud83d\ude00"].AsInt());
    }

    [Fact]
    public void KeysWithSurrogatePairsThatMeetWhenFlattenedAreWrittenOnce()
    {
        (ReceivedAttributeList a, int cut) = Write("""{"x\ud83d\ude00":{"b":1},"x\ud83d\ude00.b":2}""");

        Assert.Equal(["trace.metadata.x\ud83d\ude00.b"], a.Keys);
        Assert.Equal(1, a["trace.metadata.x\ud83d\ude00.b"].AsInt());
        Assert.Equal(1, cut);
    }

    private readonly struct MetadataSource(TraceField field, int maxEntries, int maxDepth, Action<int> cut) : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
            => cut(TraceMetadataWriter.Write(ref sink, field.Metadata, maxEntries, maxDepth));
    }
}

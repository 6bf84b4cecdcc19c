using System.Text.Json;
using static OtlpBroadcast.Generators.FunctionalTests.AttributeJson;

namespace OtlpBroadcast.Generators.FunctionalTests;

public class EverySupportedTypeTests
{
    [Fact]
    public void EachSupportedTypeIsWrittenWithItsDocumentedMapping()
    {
        using JsonDocument json = JsonDocument.Parse("""{"a":[1,"x",null],"b":{"c":2}}""");
        using JsonDocument extra = JsonDocument.Parse("""{"n":1.5,"s":"v","t":true}""");
        var value = new EverySupportedType
        {
            Text = "t",
            Flag = true,
            SByteValue = -1,
            ByteValue = 2,
            ShortValue = -3,
            UShortValue = 4,
            IntValue = -5,
            UIntValue = 6,
            LongValue = -7,
            ULongValue = ulong.MaxValue,
            FloatValue = 0.7f,
            DoubleValue = 1.25,
            DecimalValue = 2.5m,
            Role = ChatRole.Assistant,
            Id = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
            At = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            AtOffset = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)),
            Elapsed = TimeSpan.FromMilliseconds(1500),
            Json = json.RootElement,
            Payload = [1, 2, 3],
            Numbers = [1, 2],
            Ratios = [0.5, null],
            Counts = new Dictionary<string, long> { ["a"] = 1 },
            Extra = extra.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            Usage = new Usage { PromptTokens = 1, CompletionTokens = 2, TotalTokens = 3 },
        };

        string expected = Array(
            S("app.sample.text", "t"),
            B("app.sample.flag", true),
            I("app.sample.s_byte_value", -1),
            I("app.sample.byte_value", 2),
            I("app.sample.short_value", -3),
            I("app.sample.u_short_value", 4),
            I("app.sample.int_value", -5),
            I("app.sample.u_int_value", 6),
            I("app.sample.long_value", -7),
            S("app.sample.u_long_value", "18446744073709551615"),
            D("app.sample.float_value", "0.7"),
            D("app.sample.double_value", "1.25"),
            D("app.sample.decimal_value", "2.5"),
            S("app.sample.role", "assistant"),
            S("app.sample.id", "0f8fad5b-d9cb-469f-a165-70867728950e"),
            S("app.sample.at", "2025-01-02T03:04:05.0000000Z"),
            S("app.sample.at_offset", "2025-01-02T03:04:05.0000000+02:00"),
            D("app.sample.elapsed", "1.5"),
            S("app.sample.json", """{\"a\":[1,\"x\",null],\"b\":{\"c\":2}}"""),
            """{"key":"app.sample.payload","value":{"bytesValue":"AQID"}}""",
            """{"key":"app.sample.numbers","value":{"arrayValue":{"values":[{"intValue":"1"},{"intValue":"2"}]}}}""",
            """{"key":"app.sample.ratios","value":{"arrayValue":{"values":[{"doubleValue":0.5},{"stringValue":""}]}}}""",
            """{"key":"app.sample.counts","value":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"1"}}]}}}""",
            """{"key":"app.sample.extra","value":{"kvlistValue":{"values":[""" + D("n", "1.5") + "," + S("s", "v") + "," + B("t", true) + "]}}}",
            """{"key":"app.sample.usage","value":{"kvlistValue":{"values":[""" + I("input_tokens", 1) + "," + I("output_tokens", 2) + "," + I("total_tokens", 3) + "]}}}");

        Assert.Equal(expected, Write(value, includeContent: false));
    }

    [Fact]
    public void JsonElementArrayWritesItemsByKindAndNestedValuesAsJson()
    {
        using JsonDocument json = JsonDocument.Parse("""[1,"x\"y",true,null,{"k":1},2.5]""");
        var value = new EverySupportedType { Json = json.RootElement };

        string written = Write(value, includeContent: true);

        Assert.Contains(
            """{"key":"app.sample.json","value":{"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"x\"y"},{"boolValue":true},{"stringValue":""},{"stringValue":"{\"k\":1}"},{"doubleValue":2.5}]}}}""",
            written,
            StringComparison.Ordinal);
    }
}

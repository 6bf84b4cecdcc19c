using System.Text.Json;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Tests.GenAi;

public class TraceFieldTests
{
    private const string MissionTrace =
        """{"trace_id":"app_trace_001","trace_name":"Chat Handler","generation_name":"Generate Response","environment":"staging","deployment":"us-east-1"}""";

    [Fact]
    public void ReadsTheMissionsTraceObjectExactly()
    {
        TraceField field = TraceField.Parse(MissionTrace);

        Assert.Equal("app_trace_001", field.TraceId);
        Assert.Equal("Chat Handler", field.TraceName);
        Assert.Equal("Generate Response", field.GenerationName);
        Assert.Null(field.SpanName);
        Assert.Null(field.ParentSpanId);
        Assert.Equal(["deployment", "environment"], field.Metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("staging", field.Metadata["environment"].GetString());
        Assert.Equal("us-east-1", field.Metadata["deployment"].GetString());
    }

    [Fact]
    public void ReadsEveryKnownKeyAndKeepsAnyJsonValueAsMetadata()
    {
        TraceField field = TraceField.Parse("""
            {"trace_id":"t","trace_name":"n","span_name":"s","generation_name":"g","parent_span_id":"p",
             "n":1.5,"flag":true,"obj":{"a":[1,"x"]},"nothing":null}
            """);

        Assert.Equal(("t", "n", "s", "g", "p"), (field.TraceId, field.TraceName, field.SpanName, field.GenerationName, field.ParentSpanId));
        Assert.Equal(1.5, field.Metadata["n"].GetDouble());
        Assert.True(field.Metadata["flag"].GetBoolean());
        Assert.Equal(JsonValueKind.Object, field.Metadata["obj"].ValueKind);
        Assert.Equal(JsonValueKind.Null, field.Metadata["nothing"].ValueKind);
    }

    [Fact]
    public void AcceptsNumbersForIds()
    {
        TraceField field = TraceField.Parse("""{"trace_id":12345,"parent_span_id":7}""");
        Assert.Equal("12345", field.TraceId);
        Assert.Equal("7", field.ParentSpanId);
    }

    [Fact]
    public void ANumericIdBeyondADoubleKeepsItsTextSoDifferentIdsStayDifferent()
    {
        Assert.Equal("1e400", TraceField.Parse("""{"trace_id":1e400}""").TraceId);
        Assert.Equal("1e500", TraceField.Parse("""{"trace_id":1e500}""").TraceId);
        Assert.Equal("1.5", TraceField.Parse("""{"trace_id":1.50}""").TraceId);
    }

    [Fact]
    public void AnIntegerIdBeyondInt64KeepsItsDigitsSoDifferentIdsStayDifferent()
    {
        // As doubles both were 1.2345678901234567E+19: two callers' traces became one.
        Assert.Equal("12345678901234567890", TraceField.Parse("""{"trace_id":12345678901234567890}""").TraceId);
        Assert.Equal("12345678901234567891", TraceField.Parse("""{"trace_id":12345678901234567891}""").TraceId);
        Assert.Equal("-98765432109876543210", TraceField.Parse("""{"parent_span_id":-98765432109876543210}""").ParentSpanId);

        // 32 digits are 32 hex characters: the trace id itself, as the same digits in a string are.
        TraceField field = TraceField.Parse("""{"trace_id":12345678901234567890123456789012}""");
        Assert.Equal("12345678901234567890123456789012", field.TraceId);
        Assert.Equal("12345678901234567890123456789012", TraceIdentity.Resolve(field, ambient: null).TraceId.ToString());
    }

    [Fact]
    public void ALoneSurrogateInAKnownKeyBecomesTheReplacementCharacterAndAKeyEscapingOneIsLeftOutNotFatal()
    {
        // JSON can escape a lone surrogate (a client that cut an emoji in two), which System.Text.Json refuses to turn
        // into a string: the whole trace field, and with it the request that carried it, was refused.
        const string Json = """{"trace_id":"t\udc00","trace_name":"Chat \ud83d","span_name":"ok \ud83d\ude00 \"q\"\n\u00e9","\ud800x":{"a":[1]},"environment":"staging"}""";
        TraceField field = TraceField.Parse(Json);

        Assert.Equal("t\uFFFD", field.TraceId);
        Assert.Equal("Chat \uFFFD", field.TraceName);
        Assert.Equal("ok \U0001F600 \"q\"\n\u00e9", field.SpanName);
        Assert.Equal(["environment"], field.Metadata.Keys);

        ChatCompletionRequest request = JsonSerializer.Deserialize("""{"model":"m","messages":[],"trace":""" + Json + "}", OpenAiJsonContext.Default.ChatCompletionRequest)!;
        Assert.Equal("Chat \uFFFD", request.Trace!.TraceName);
    }

    [Theory]
    [InlineData("""{"trace_id":{"a":1}}""", "'trace_id' must be a string")]
    [InlineData("""{"trace_name":[1]}""", "'trace_name' must be a string")]
    [InlineData("""["a"]""", "must be a JSON object")]
    public void RefusesWrongShapesWithAClearMessage(string json, string expected)
    {
        var error = Assert.ThrowsAny<JsonException>(() => TraceField.Parse(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RoundTripsThroughTheSourceGeneratedContext()
    {
        TraceField field = TraceField.Parse(MissionTrace);
        Assert.Equal(MissionTrace, field.ToJson());
    }

    [Fact]
    public void MetadataBuiltInCodeUnderAKnownKeyOrWithoutAValueIsNotWrittenAsJson()
    {
        var field = new TraceField { TraceName = "Chat Handler" };
        field.Metadata["trace_name"] = JsonDocument.Parse("\"other\"").RootElement.Clone();
        field.Metadata["parent_span_id"] = JsonDocument.Parse("\"00f067aa0ba902b7\"").RootElement.Clone();
        field.Metadata["unset"] = default;
        field.Metadata["environment"] = JsonDocument.Parse("\"staging\"").RootElement.Clone();

        string json = field.ToJson();

        // One object without a repeated key, whose known keys are the properties: read back, it is the same field.
        Assert.Equal("""{"trace_name":"Chat Handler","environment":"staging"}""", json);
        TraceField read = TraceField.Parse(json);
        Assert.Null(read.ParentSpanId);
        Assert.Equal(["environment"], read.Metadata.Keys);
    }

    [Fact]
    public void WorksInsideAHostsOwnSourceGeneratedRequest()
    {
        HostRequest? request = JsonSerializer.Deserialize(
            $$"""{"model":"openai/gpt-4o","trace":{{MissionTrace}}}""", HostJsonContext.Default.HostRequest);

        Assert.Equal("Chat Handler", request!.Trace!.TraceName);
        Assert.Equal("staging", request.Trace.Metadata["environment"].GetString());
    }
}

public sealed class HostRequest
{
    [System.Text.Json.Serialization.JsonPropertyName("model")]
    public string? Model { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("trace")]
    public TraceField? Trace { get; set; }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(HostRequest))]
public sealed partial class HostJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}

using static OtlpBroadcast.Generators.FunctionalTests.AttributeJson;

namespace OtlpBroadcast.Generators.FunctionalTests;

public class GeneratedWriterTests
{
    private const string Messages =
        """{"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]"}}""";

    private static readonly string[] RequestWithoutContent =
    [
        S("gen_ai.request.model", "gpt-4o"),
        D("gen_ai.request.temperature", "0.7"),
        D("gen_ai.request.top_p", "0.9"),
        I("gen_ai.request.max_tokens", 256),
        I("gen_ai.request.seed", 42),
        B("gen_ai.request.stream", false),
        """{"key":"gen_ai.request.stop_sequences","value":{"arrayValue":{"values":[{"stringValue":"END"}]}}}""",
        S("user.id", "u-1"),
        S("session.id", "s-1"),
    ];

    private static readonly string[] TraceAttributes =
    [
        S("trace.id", "t-1"),
        S("trace.name", "chat"),
        S("trace.metadata.env", "prod"),
        S("trace.metadata.tenant", "acme"),
    ];

    [Fact]
    public void RequestWritesEveryAttributeWithContentAsJsonString()
    {
        string expected = Array([.. RequestWithoutContent, Messages, .. TraceAttributes]);

        Assert.Equal(expected, Write(Samples.Request(), includeContent: true));
    }

    [Fact]
    public void PrivacyModeLeavesOutSensitiveMembersOnly()
    {
        string expected = Array([.. RequestWithoutContent, .. TraceAttributes]);

        Assert.Equal(expected, Write(Samples.Request(), includeContent: false));
    }

    [Fact]
    public void NullMembersWriteNothing()
    {
        var request = new ChatRequest { Model = "m" };

        Assert.Equal(Array(S("gen_ai.request.model", "m"), B("gen_ai.request.stream", false)), Write(request, includeContent: true));
    }

    [Fact]
    public void ResponseFlattensUsageAndWritesEnumNamesAsArray()
    {
        string expected = Array(
            S("gen_ai.response.id", "chatcmpl-1"),
            S("gen_ai.response.model", "gpt-4o-2024-08-06"),
            """{"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"stop"},{"stringValue":"tool_calls"}]}}}""",
            I("gen_ai.usage.input_tokens", 12),
            I("gen_ai.usage.output_tokens", 5),
            I("gen_ai.usage.total_tokens", 17),
            D("gen_ai.usage.cost", "0.00042"),
            S("gen_ai.completion", "Hello!"));

        Assert.Equal(expected, Write(Samples.Response(), includeContent: true));
    }

    [Fact]
    public void SensitiveObjectIsWrittenAsJsonObjectString()
    {
        var choice = new ChatChoice { Message = new ChatMessage { Role = ChatRole.Tool, Content = "42", Name = "calc" } };

        Assert.Equal(
            Array("""{"key":"gen_ai.output.messages","value":{"stringValue":"{\"role\":\"tool\",\"content\":\"42\",\"name\":\"calc\"}"}}"""),
            Write(choice, includeContent: true));
        Assert.Equal("[]", Write(choice, includeContent: false));
    }

    [Fact]
    public void UndefinedEnumValueIsWrittenAsItsNumber()
    {
        var response = new ChatResponse { FinishReasons = [(FinishReason)7] };

        Assert.Equal(
            Array("""{"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"intValue":"7"}]}}}"""),
            Write(response, includeContent: true));
    }

    [Fact]
    public void EncodedSpanCarriesGeneratedAttributes()
    {
        var header = new SpanHeader
        {
            TraceId = TraceId.Parse("0af7651916cd43dd8448eb211c80319c"),
            SpanId = SpanId.Parse("b7ad6b7169203331"),
            Name = "chat gpt-4o",
        };
        var source = new OtlpAttributesSource<ChatRequest>(Samples.Request(), includeContent: false);

        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(in header, ref source, contentWithheld: true);
        string json = System.Text.Encoding.UTF8.GetString(fragment.Bytes);
        fragment.Release();

        Assert.Contains(S("gen_ai.request.model", "gpt-4o"), json, StringComparison.Ordinal);
        Assert.DoesNotContain("gen_ai.input.messages", json, StringComparison.Ordinal);
    }
}

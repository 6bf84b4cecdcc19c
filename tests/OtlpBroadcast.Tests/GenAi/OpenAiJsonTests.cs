using System.Text.Json;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Tests.OtlpEncoding;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// The OpenAI-compatible DTOs read every request a router accepts and give back what they do not model: <c>stop</c>
/// as a string or an array, and fields such as <c>tools</c>, <c>response_format</c> or a response's
/// <c>system_fingerprint</c> kept as they came, so a gateway forwarding the request (or relaying the answer) loses
/// nothing; the router's own fields (<c>trace</c>, <c>session_id</c>) can be left out of what goes to the provider.
/// </summary>
public class OpenAiJsonTests
{
    private const string RequestWithToolsAndRouterFields = """
        {"model":"openai/gpt-4o","messages":[
           {"role":"user","content":"Weather in Paris?"},
           {"role":"assistant","content":"Checking.","refusal":null,"reasoning":"The user wants the weather."}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
         "tool_choice":"auto","response_format":{"type":"json_object"},"n":1,"logit_bias":{"50256":-100},"parallel_tool_calls":false,
         "user":"user_1","session_id":"session_1","trace":{"trace_id":"workflow_1","environment":"staging"},"stop":"END"}
        """;

    private static ChatCompletionRequest Read(string json) => JsonSerializer.Deserialize(json, OpenAiJsonContext.Default.ChatCompletionRequest)!;

    private static JsonElement Reserialised(ChatCompletionRequest request)
    {
        using JsonDocument document = JsonDocument.Parse(JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest));
        return document.RootElement.Clone();
    }

    private static Dictionary<string, JsonElement> Attributes(ChatCompletionRequest request, bool includeContent = true)
        => EncodingTestHelpers.AttributesByKey(EncodingTestHelpers.ParseAttributes((ref OtlpJsonAttributeSink sink) => request.WriteOtlpAttributes(ref sink, includeContent)));

    [Theory]
    [InlineData("\"END\"", new[] { "END" })]
    [InlineData("[\"END\",\"STOP\"]", new[] { "END", "STOP" })]
    [InlineData("[]", new string[0])]
    public void StopIsReadAsAStringOrAnArray(string stop, string[] expected)
    {
        ChatCompletionRequest request = Read($$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":{{stop}}}""");

        Assert.Equal(expected, request.Stop);
        if (expected.Length > 0)
        {
            JsonElement written = Attributes(request)["gen_ai.request.stop_sequences"];
            Assert.Equal(expected, EncodingTestHelpers.ArrayItemsOf(written).Select(EncodingTestHelpers.StringValueOf));
        }
    }

    [Fact]
    public void AMissingOrNullStopIsNoStopSequences()
    {
        Assert.Null(Read("""{"model":"m","messages":[],"stop":null}""").Stop);
        Assert.Null(Read("""{"model":"m","messages":[]}""").Stop);
        Assert.False(Reserialised(Read("""{"model":"m","messages":[]}""")).TryGetProperty("stop", out _));
    }

    [Theory]
    [InlineData("5", "Number")]
    [InlineData("{\"a\":1}", "StartObject")]
    [InlineData("[\"a\",5]", "Number")]
    [InlineData("[\"a\",null]", "Null")]
    public void AStopThatIsNeitherAStringNorStringsIsRefusedWithAClearMessage(string stop, string kind)
    {
        var error = Assert.ThrowsAny<JsonException>(() => Read($$"""{"model":"m","messages":[],"stop":{{stop}}}"""));

        Assert.Contains("stop", error.Message, StringComparison.Ordinal);
        Assert.Contains(kind, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StopIsForwardedAsAnArrayOfWhatCame()
    {
        JsonElement forwarded = Reserialised(Read(RequestWithToolsAndRouterFields));

        Assert.Equal("[\"END\"]", forwarded.GetProperty("stop").GetRawText());
    }

    [Fact]
    public void FieldsTheRequestDoesNotModelAreForwardedAsTheyCame()
    {
        using JsonDocument original = JsonDocument.Parse(RequestWithToolsAndRouterFields);
        JsonElement forwarded = Reserialised(Read(RequestWithToolsAndRouterFields));

        foreach (string field in new[] { "tools", "tool_choice", "response_format", "n", "logit_bias", "parallel_tool_calls" })
        {
            Assert.True(forwarded.TryGetProperty(field, out JsonElement value), field + " was lost");
            Assert.True(JsonElement.DeepEquals(original.RootElement.GetProperty(field), value), field + ": " + value.GetRawText());
        }

        JsonElement assistant = forwarded.GetProperty("messages")[1];
        Assert.Equal("The user wants the weather.", assistant.GetProperty("reasoning").GetString());
        Assert.Equal(JsonValueKind.Null, assistant.GetProperty("refusal").ValueKind);
    }

    [Fact]
    public void FieldsTheRequestDoesNotModelAreNotSpanAttributes()
    {
        Dictionary<string, JsonElement> attributes = Attributes(Read(RequestWithToolsAndRouterFields));

        Assert.Contains("gen_ai.request.model", attributes.Keys);
        Assert.DoesNotContain(attributes.Keys, key => key.Contains("tool", StringComparison.Ordinal)
            || key.Contains("response_format", StringComparison.Ordinal) || key.Contains("logit", StringComparison.Ordinal)
            || key.Contains("Additional", StringComparison.OrdinalIgnoreCase));

        // The message's reasoning is modelled: a part of the message (content), not an attribute of its own.
        Assert.DoesNotContain(attributes.Keys, key => key.Contains("reasoning", StringComparison.Ordinal));
        Assert.DoesNotContain(attributes.Keys, key => key.Contains("refusal", StringComparison.Ordinal));
    }

    [Fact]
    public void ResponseFieldsTheResponseDoesNotModelAreRelayedAsTheyCame()
    {
        const string Answer = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","service_tier":"default","provider":"OpenAI",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop","native_finish_reason":"stop"}],
             "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"accepted_prediction_tokens":0}}}
            """;
        ChatCompletionResponse response = JsonSerializer.Deserialize(Answer, OpenAiJsonContext.Default.ChatCompletionResponse)!;

        using JsonDocument original = JsonDocument.Parse(Answer);
        using JsonDocument relayed = JsonDocument.Parse(JsonSerializer.Serialize(response, OpenAiJsonContext.Default.ChatCompletionResponse));
        Assert.True(JsonElement.DeepEquals(original.RootElement, relayed.RootElement), relayed.RootElement.GetRawText());
    }

    /// <summary>The members OpenAI writes as <c>null</c> are relayed as <c>null</c>, not left out: a message that only
    /// calls tools has <c>"content":null</c>, a stream's chunks <c>"finish_reason":null</c> until the last and a chunk
    /// that adds a tool call <c>"content":null</c>. What did not come is not added, and setting a member in code (null
    /// included) replaces what came.</summary>
    [Fact]
    public void MembersThatCameAsNullAreRelayedAsNull()
    {
        const string Answer = """
            {"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}
            """;
        const string Chunk = """
            {"id":"chatcmpl-3","object":"chat.completion.chunk","created":1,"model":"gpt-4o",
             "choices":[{"index":0,"delta":{"content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}
            """;
        const string Request = """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"},{"role":"assistant"}]}""";

        ChatCompletionResponse response = JsonSerializer.Deserialize(Answer, OpenAiJsonContext.Default.ChatCompletionResponse)!;
        ChatCompletionChunk chunk = JsonSerializer.Deserialize(Chunk, OpenAiJsonContext.Default.ChatCompletionChunk)!;
        ChatCompletionRequest request = Read(Request);

        Assert.Null(response.Choices[0].Message!.MessageContent);
        Assert.Null(chunk.Choices[0].Delta.Content);
        Assert.Null(chunk.Choices[0].FinishReason);
        AssertSameJson(Answer, JsonSerializer.Serialize(response, OpenAiJsonContext.Default.ChatCompletionResponse));
        AssertSameJson(Chunk, JsonSerializer.Serialize(chunk, OpenAiJsonContext.Default.ChatCompletionChunk));
        AssertSameJson(Request, JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest));

        response.Choices[0].Message!.MessageContent = null;
        chunk.Choices[0].FinishReason = null;
        chunk.Choices[0].Delta.Content = "text";
        using JsonDocument relayedResponse = JsonDocument.Parse(JsonSerializer.Serialize(response, OpenAiJsonContext.Default.ChatCompletionResponse));
        using JsonDocument relayedChunk = JsonDocument.Parse(JsonSerializer.Serialize(chunk, OpenAiJsonContext.Default.ChatCompletionChunk));
        JsonElement message = relayedResponse.RootElement.GetProperty("choices")[0].GetProperty("message");
        JsonElement choice = relayedChunk.RootElement.GetProperty("choices")[0];
        Assert.False(message.TryGetProperty("content", out _), message.GetRawText());
        Assert.False(choice.TryGetProperty("finish_reason", out _), choice.GetRawText());
        Assert.Equal("text", choice.GetProperty("delta").GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":7}]}""", "A choice's finish_reason must be a string or null, not Number.")]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{"content":{}}}]}""", "A chunk's delta.content must be a string or null, not StartObject.")]
    public void AChunkMemberThatIsNeitherTextNorNullIsRefusedByName(string json, string expected)
    {
        JsonException refused = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, OpenAiJsonContext.Default.ChatCompletionChunk));

        Assert.StartsWith(expected, refused.Message, StringComparison.Ordinal);
    }

    private static void AssertSameJson(string expected, string actual)
    {
        using JsonDocument expectedDocument = JsonDocument.Parse(expected);
        using JsonDocument actualDocument = JsonDocument.Parse(actual);
        Assert.True(JsonElement.DeepEquals(expectedDocument.RootElement, actualDocument.RootElement), actual);
    }

    [Fact]
    public void TheRouterFieldsAreLeftOutOfWhatGoesToTheProvider()
    {
        ChatCompletionRequest request = Read(RequestWithToolsAndRouterFields);

        ChatCompletionRequest forProvider = request.WithoutRouterFields();

        JsonElement forwarded = Reserialised(forProvider);
        Assert.False(forwarded.TryGetProperty("trace", out _));
        Assert.False(forwarded.TryGetProperty("session_id", out _));
        Assert.Equal("user_1", forwarded.GetProperty("user").GetString());
        Assert.True(forwarded.TryGetProperty("tools", out _));
        Assert.Equal("Weather in Paris?", forwarded.GetProperty("messages")[0].GetProperty("content").GetString());

        // The request itself still carries them, for the broadcast.
        Assert.Equal("session_1", request.SessionId);
        Assert.Equal("workflow_1", request.Trace!.TraceId);
        Assert.Equal("session_1", Reserialised(request).GetProperty("session_id").GetString());
    }

    [Fact]
    public void AStreamChunkIsReadAndRelayedWithWhatItDoesNotModel()
    {
        const string Chunk = """
            {"id":"gen-1","object":"chat.completion.chunk","created":7,"model":"gpt-4o","provider":"OpenAI","system_fingerprint":"fp_1",
             "choices":[{"index":0,"delta":{"content":"Hel","tool_calls":[{"index":0,"function":{"arguments":"{"}}]},"finish_reason":null,"logprobs":null}],
             "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"cost":0.00002}}
            """;

        ChatCompletionChunk chunk = JsonSerializer.Deserialize(Chunk, OpenAiJsonContext.Default.ChatCompletionChunk)!;

        Assert.Equal("gen-1", chunk.Id);
        Assert.Equal("Hel", chunk.Choices[0].Delta.Content);
        Assert.Null(chunk.Choices[0].FinishReason);
        Assert.Equal(0.00002, chunk.Usage!.Cost);
        using JsonDocument original = JsonDocument.Parse(Chunk);
        using JsonDocument relayed = JsonDocument.Parse(JsonSerializer.Serialize(chunk, OpenAiJsonContext.Default.ChatCompletionChunk));
        JsonElement choice = relayed.RootElement.GetProperty("choices")[0];
        Assert.True(JsonElement.DeepEquals(original.RootElement.GetProperty("choices")[0].GetProperty("delta"), choice.GetProperty("delta")), choice.GetRawText());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("fp_1", relayed.RootElement.GetProperty("system_fingerprint").GetString());
        Assert.Equal("OpenAI", relayed.RootElement.GetProperty("provider").GetString());
    }
}

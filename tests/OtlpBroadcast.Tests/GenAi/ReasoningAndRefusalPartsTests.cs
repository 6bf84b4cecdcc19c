using System.Text.Json;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Tests.OtlpEncoding;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// A message's <c>reasoning</c> (or <c>reasoning_content</c>) and <c>refusal</c> are content: a <c>reasoning</c> part
/// before the text and a <c>text</c> part after it, withheld from privacy-mode destinations like the rest of the
/// message, the same whether the response was streamed or not; the DTOs read them and write them back as they came.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class ReasoningAndRefusalPartsTests
{
    private const string Reasoning = "The user greets, so greet back";
    private const string Refusal = "I cannot help with that";

    private static ChatCompletionResponse ReadResponse(string message) => JsonSerializer.Deserialize(
        $$"""{"id":"gen-1","model":"m","choices":[{"index":0,"message":{{message}},"finish_reason":"stop"}]}""",
        OpenAiJsonContext.Default.ChatCompletionResponse)!;

    /// <summary>The parts of the one output message, as <c>gen_ai.output.messages</c> writes them.</summary>
    private static string OutputParts(ChatCompletionResponse response, bool includeContent = true)
    {
        Dictionary<string, JsonElement> attributes = EncodingTestHelpers.AttributesByKey(
            EncodingTestHelpers.ParseAttributes((ref OtlpJsonAttributeSink sink) => response.WriteOtlpAttributes(ref sink, includeContent)));
        using JsonDocument output = JsonDocument.Parse(EncodingTestHelpers.StringValueOf(attributes["gen_ai.output.messages"]));
        return Assert.Single(output.RootElement.EnumerateArray()).GetProperty("parts").GetRawText();
    }

    [Theory]
    [InlineData("reasoning")]
    [InlineData("reasoning_content")]
    public void ReasoningIsAPartBeforeTheText(string field)
    {
        ChatCompletionResponse response = ReadResponse($$"""{"role":"assistant","content":"Hello!","{{field}}":"{{Reasoning}}"}""");

        Assert.Equal(
            $$"""[{"type":"reasoning","content":"{{Reasoning}}"},{"type":"text","content":"Hello!"}]""",
            OutputParts(response));
    }

    [Fact]
    public void ReasoningWinsOverReasoningContentAndAnEmptyOneGivesWayToIt()
    {
        Assert.Equal(
            """[{"type":"reasoning","content":"first"},{"type":"text","content":"Hello!"}]""",
            OutputParts(ReadResponse("""{"role":"assistant","content":"Hello!","reasoning":"first","reasoning_content":"second"}""")));
        Assert.Equal(
            """[{"type":"reasoning","content":"second"},{"type":"text","content":"Hello!"}]""",
            OutputParts(ReadResponse("""{"role":"assistant","content":"Hello!","reasoning":"","reasoning_content":"second"}""")));
        Assert.Equal(
            """[{"type":"text","content":"Hello!"}]""",
            OutputParts(ReadResponse("""{"role":"assistant","content":"Hello!","reasoning":null,"reasoning_content":""}""")));
    }

    [Fact]
    public void ARefusalIsATextPartAsARefusalContentPartIs()
    {
        ChatCompletionResponse response = ReadResponse($$"""{"role":"assistant","content":null,"refusal":"{{Refusal}}"}""");
        ChatCompletionResponse asContentPart = ReadResponse($$"""{"role":"assistant","content":[{"type":"refusal","refusal":"{{Refusal}}"}]}""");

        Assert.Equal($$"""[{"type":"text","content":"{{Refusal}}"}]""", OutputParts(response));
        Assert.Equal(OutputParts(asContentPart), OutputParts(response));
        Assert.Equal("""[{"type":"text","content":"Hi"}]""", OutputParts(ReadResponse("""{"role":"assistant","content":"Hi","refusal":null}""")));
    }

    [Fact]
    public void ReasoningTextRefusalAndToolCallsComeInThatOrder()
    {
        var message = new ChatMessage
        {
            Role = "assistant",
            Content = "text",
            Reasoning = "thought",
            Refusal = "no",
            ToolCalls = [new ChatToolCall { Id = "c", Function = new ChatFunctionCall { Name = "f", Arguments = "{}" } }],
        };

        Assert.Equal(["reasoning", "text", "text", "tool_call"], message.Parts.Select(p => p.Type));
        Assert.Equal(["thought", "text", "no", null], message.Parts.Select(p => p.Content));
    }

    [Fact]
    public void ThePartsFollowAChangedReasoningOrRefusal()
    {
        var message = new ChatMessage { Role = "assistant", Content = "answer" };
        ChatMessageParts before = message.Parts;
        Assert.Same(before, message.Parts);

        message.Reasoning = "thought";
        Assert.NotSame(before, message.Parts);
        Assert.Equal(["reasoning", "text"], message.Parts.Select(p => p.Type));
        Assert.Same(message.Parts, message.Parts);

        message.Reasoning = null;
        message.ReasoningContent = "other thought";
        Assert.Equal("other thought", message.Parts[0].Content);

        message.Refusal = "no";
        Assert.Equal(["reasoning", "text", "text"], message.Parts.Select(p => p.Type));
        Assert.Equal("no", message.Parts[2].Content);
    }

    [Fact]
    public async Task APrivacyModeDestinationGetsNeitherReasoningNorRefusal()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(open, "open"), Options(withheld, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);

        broadcaster.StartChat(MissionRequest()).CompleteChat(
            ReadResponse($$"""{"role":"assistant","content":"Hello!","reasoning":"{{Reasoning}}","refusal":"{{Refusal}}"}"""));
        GenerationRecording<ChatCompletionRequest> streamed = broadcaster.StartChat(MissionRequest());
        streamed.AppendReasoning(Reasoning);
        streamed.AppendRefusal(Refusal);
        streamed.CompleteStream("chatcmpl-1", "m", "stop", null);
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan[] openGenerations = [.. open.Spans.Where(IsGeneration)];
        ReceivedSpan[] withheldGenerations = [.. withheld.Spans.Where(IsGeneration)];
        Assert.Equal(2, openGenerations.Length);
        Assert.Equal(2, withheldGenerations.Length);
        Assert.All(openGenerations, generation =>
        {
            string output = generation["gen_ai.output.messages"].AsString();
            Assert.Contains(Reasoning, output, StringComparison.Ordinal);
            Assert.Contains(Refusal, output, StringComparison.Ordinal);
        });
        Assert.All(withheldGenerations, generation => Assert.False(generation.Attributes.ContainsKey("gen_ai.output.messages")));
        Assert.True(ReceivedSpanText.AnyRawBodyContains(open, Reasoning) && ReceivedSpanText.AnyRawBodyContains(open, Refusal));
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, Reasoning), "reasoning reached the privacy-mode destination");
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, Refusal), "a refusal reached the privacy-mode destination");
    }

    [Fact]
    public async Task AStreamedResponseHasTheSamePartsAsOneThatIsNot()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        string[] chunks =
        [
            """{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"The user ","refusal":null},"finish_reason":null}]}""",
            """{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"reasoning_content":"greets"},"finish_reason":null}]}""",
            """{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"reasoning":", so greet back"},"finish_reason":null}]}""",
            """{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}""",
            """{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"lo!"},"finish_reason":null}]}""",
            """{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"refusal":"I cannot "},"finish_reason":null}]}""",
            """{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"refusal":"help with that"},"finish_reason":"stop"}]}""",
        ];

        broadcaster.StartChat(MissionRequest()).CompleteChat(
            ReadResponse($$"""{"role":"assistant","content":"Hello!","reasoning":"{{Reasoning}}","refusal":"{{Refusal}}"}"""));
        GenerationRecording<ChatCompletionRequest> streamed = broadcaster.StartChat(MissionRequest());
        foreach (string json in chunks)
        {
            // As a gateway relaying the stream does (samples/Gateway).
            ChatChunkDelta delta = JsonSerializer.Deserialize(json, OpenAiJsonContext.Default.ChatCompletionChunk)!.Choices[0].Delta;
            if (!string.IsNullOrEmpty(delta.Content))
            {
                streamed.AppendOutput(delta.Content);
            }

            if (!string.IsNullOrEmpty(delta.ReasoningText))
            {
                streamed.AppendReasoning(delta.ReasoningText);
            }

            if (!string.IsNullOrEmpty(delta.Refusal))
            {
                streamed.AppendRefusal(delta.Refusal);
            }
        }

        streamed.CompleteStream("chatcmpl-2", "m", "stop", null);
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan[] generations = [.. receiver.Spans.Where(IsGeneration)];
        Assert.Equal(2, generations.Length);
        string expected = $$"""[{"role":"assistant","parts":[{"type":"reasoning","content":"{{Reasoning}}"},{"type":"text","content":"Hello!"},{"type":"text","content":"{{Refusal}}"}],"finish_reason":"stop"}]""";
        Assert.All(generations, generation => Assert.Equal(expected, generation["gen_ai.output.messages"].AsString()));
    }

    [Fact]
    public async Task StreamedReasoningAloneIsTheOutputAndTheFirstToken()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var clock = new ManualClock(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var broadcaster = new GenerationBroadcaster(registry, clock);

        GenerationRecording<ChatCompletionRequest> failed = broadcaster.StartChat(MissionRequest());
        clock.Advance(TimeSpan.FromMilliseconds(250));
        failed.AppendReasoning("thinking");
        clock.Advance(TimeSpan.FromSeconds(2));
        failed.Fail("timeout");
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan generation = Assert.Single(receiver.Spans, IsGeneration);
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"reasoning","content":"thinking"}],"finish_reason":"error"}]""",
            generation["gen_ai.output.messages"].AsString());
        Assert.Equal(0.25, generation["gen_ai.response.time_to_first_token"].AsDouble(), 3);
    }

    [Fact]
    public void AMessageWithTheseFieldsIsReadAndWrittenBackAsItCame()
    {
        const string Request = """
            {"model":"m","messages":[
              {"role":"user","content":"Hi"},
              {"role":"assistant","content":"Hello!","reasoning":"r","reasoning_content":null,"refusal":null},
              {"role":"assistant","reasoning_content":"rc","refusal":"no"}]}
            """;
        const string Response = """
            {"id":"gen-1","object":"chat.completion","created":1,"model":"m",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null,"reasoning":"r"},"finish_reason":"stop"}]}
            """;
        const string Chunk = """
            {"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"m",
             "choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"r","reasoning_content":null,"refusal":null}}]}
            """;

        ChatCompletionRequest request = JsonSerializer.Deserialize(Request, OpenAiJsonContext.Default.ChatCompletionRequest)!;
        ChatCompletionResponse response = JsonSerializer.Deserialize(Response, OpenAiJsonContext.Default.ChatCompletionResponse)!;
        ChatCompletionChunk chunk = JsonSerializer.Deserialize(Chunk, OpenAiJsonContext.Default.ChatCompletionChunk)!;

        Assert.Equal(("r", null, null), (request.Messages[1].Reasoning, request.Messages[1].ReasoningContent, request.Messages[1].Refusal));
        Assert.Equal(("rc", "no"), (request.Messages[2].ReasoningContent, request.Messages[2].Refusal));
        Assert.Equal("r", response.Choices[0].Message!.Reasoning);
        Assert.Equal("r", chunk.Choices[0].Delta.ReasoningText);
        Assert.All([request.Messages[1], request.Messages[2], response.Choices[0].Message!], message => Assert.Null(message.AdditionalProperties));
        Assert.Null(chunk.Choices[0].Delta.AdditionalProperties);
        AssertSameJson(Request, JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest));
        AssertSameJson(Response, JsonSerializer.Serialize(response, OpenAiJsonContext.Default.ChatCompletionResponse));
        AssertSameJson(Chunk, JsonSerializer.Serialize(chunk, OpenAiJsonContext.Default.ChatCompletionChunk));
    }

    [Fact]
    public void AMessageWithoutTheseFieldsDoesNotGainThem()
    {
        const string Request = """{"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}""";
        const string Chunk = """{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"}}]}""";

        ChatCompletionRequest request = JsonSerializer.Deserialize(Request, OpenAiJsonContext.Default.ChatCompletionRequest)!;
        request.Messages.Add(new ChatMessage { Role = "assistant", Content = "set in code", Reasoning = null, Refusal = null });
        ChatCompletionChunk chunk = JsonSerializer.Deserialize(Chunk, OpenAiJsonContext.Default.ChatCompletionChunk)!;

        string written = JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest);
        Assert.DoesNotContain("reasoning", written, StringComparison.Ordinal);
        Assert.DoesNotContain("refusal", written, StringComparison.Ordinal);
        AssertSameJson(Chunk, JsonSerializer.Serialize(chunk, OpenAiJsonContext.Default.ChatCompletionChunk));

        // Set in code, they are written; set back to null, they are gone again.
        var message = new ChatMessage { Role = "assistant", Content = "c", Reasoning = "r", ReasoningContent = "rc", Refusal = "no" };
        request.Messages = [message];
        AssertSameJson(
            """{"model":"m","messages":[{"role":"assistant","content":"c","reasoning":"r","reasoning_content":"rc","refusal":"no"}]}""",
            JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest));
        message.Reasoning = null;
        message.ReasoningContent = null;
        message.Refusal = null;
        AssertSameJson(
            """{"model":"m","messages":[{"role":"assistant","content":"c"}]}""",
            JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest));
    }

    [Fact]
    public void AReasoningThatIsNotAStringIsRefusedWithAClearMessage()
    {
        var error = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(
            """{"model":"m","messages":[{"role":"assistant","reasoning":{"text":"r"}}]}""", OpenAiJsonContext.Default.ChatCompletionRequest));

        Assert.Contains("must be a string or null", error.Message, StringComparison.Ordinal);
        Assert.Contains("StartObject", error.Message, StringComparison.Ordinal);
    }

    private static void AssertSameJson(string expected, string actual)
    {
        using JsonDocument expectedDocument = JsonDocument.Parse(expected);
        using JsonDocument actualDocument = JsonDocument.Parse(actual);
        Assert.True(JsonElement.DeepEquals(expectedDocument.RootElement, actualDocument.RootElement), actual);
    }

    private static bool IsGeneration(ReceivedSpan span) => span["span.type"].AsString() == "generation";
}

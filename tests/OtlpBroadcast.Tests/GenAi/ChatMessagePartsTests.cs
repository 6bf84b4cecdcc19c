using System.Text.Json;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>OpenAI-compatible messages (text or content parts, tool calls, tool answers) are read as routers accept
/// them, forwarded unchanged, and written as content in the GenAI conventions' shape: role, parts, finish reason.</summary>
public class ChatMessagePartsTests
{
    private const string MultimodalRequest = """
        {"model":"openai/gpt-4o","messages":[
          {"role":"system","content":"Be brief."},
          {"role":"user","content":[
            {"type":"text","text":"What is in this picture?"},
            {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
            {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
            {"type":"file","file":{"file_id":"file-abc"}},
            {"type":"file","file":{"filename":"a.pdf","file_data":"JVBERi0="}},
            {"type":"text","text":"Answer in French."},
            {"type":"video_url","video_url":{"url":"https://example.com/v.mp4"}},
            {"type":"video_url","video_url":{"url":"data:video/mp4;base64,AAAAIGZ0eXA="}},
            {"type":"file","file":{"filename":"clip.webm","file_data":"data:video/webm;base64,GkXfow=="}},
            {"type":"file","file":{"filename":"b.pdf","file_data":"data:application/pdf;base64,JVBERi0="}},
            {"type":"input_video","input_video":{"data":"AAAA"}},
            "not a part"
          ]},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"18°C, sunny"}
        ]}
        """;

    [Fact]
    public void ARequestWithContentPartsIsReadAndItsTextJoined()
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(MultimodalRequest, OpenAiJsonContext.Default.ChatCompletionRequest)!;

        Assert.Equal("Be brief.", request.Messages[0].Content);
        Assert.Equal("What is in this picture?\nAnswer in French.", request.Messages[1].Content);
        Assert.Null(request.Messages[2].Content);
        Assert.Equal("get_weather", request.Messages[2].ToolCalls![0].Function!.Name);
        Assert.Equal("call_1", request.Messages[3].ToolCallId);
    }

    [Fact]
    public void ContentPartsAndToolCallsAreForwardedAsTheyCame()
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(MultimodalRequest, OpenAiJsonContext.Default.ChatCompletionRequest)!;

        using JsonDocument original = JsonDocument.Parse(MultimodalRequest);
        using JsonDocument forwarded = JsonDocument.Parse(JsonSerializer.Serialize(request, OpenAiJsonContext.Default.ChatCompletionRequest));
        JsonElement before = original.RootElement.GetProperty("messages");
        JsonElement after = forwarded.RootElement.GetProperty("messages");
        Assert.True(JsonElement.DeepEquals(before[1].GetProperty("content"), after[1].GetProperty("content")), after[1].GetRawText());
        Assert.Equal("Be brief.", after[0].GetProperty("content").GetString());
        Assert.True(JsonElement.DeepEquals(before[2].GetProperty("tool_calls"), after[2].GetProperty("tool_calls")), after[2].GetRawText());
        Assert.Equal("call_1", after[3].GetProperty("tool_call_id").GetString());
    }

    [Theory]
    [InlineData("""{"role":"user","content":5}""", "Number")]
    [InlineData("""{"role":"user","content":{"type":"text"}}""", "StartObject")]
    public void ContentThatIsNeitherTextNorPartsIsRefusedWithAClearMessage(string message, string kind)
    {
        var error = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize($$"""{"model":"m","messages":[{{message}}]}""", OpenAiJsonContext.Default.ChatCompletionRequest));

        Assert.Contains("content must be a string or an array of content parts", error.Message, StringComparison.Ordinal);
        Assert.Contains(kind, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AsContentMessagesTakeTheConventionsShape()
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(MultimodalRequest, OpenAiJsonContext.Default.ChatCompletionRequest)!;

        using JsonDocument messages = JsonDocument.Parse(Render(request.Messages));

        Assert.Equal(
            """{"role":"system","parts":[{"type":"text","content":"Be brief."}]}""",
            messages.RootElement[0].GetRawText());
        Assert.Equal(
            """{"role":"user","parts":["""
            + """{"type":"text","content":"What is in this picture?"},"""
            + """{"type":"uri","modality":"image","uri":"https://example.com/cat.png"},"""
            + """{"type":"blob","content":"iVBORw0KGgo=","modality":"image","mime_type":"image/png"},"""
            + """{"type":"blob","content":"UklGRg==","modality":"audio","mime_type":"audio/wav"},"""
            + """{"type":"file","file_id":"file-abc"},"""
            + """{"type":"blob","content":"JVBERi0="},"""
            + """{"type":"text","content":"Answer in French."},"""
            + """{"type":"uri","modality":"video","uri":"https://example.com/v.mp4"},"""
            + """{"type":"blob","content":"AAAAIGZ0eXA=","modality":"video","mime_type":"video/mp4"},"""
            + """{"type":"blob","content":"GkXfow==","modality":"video","mime_type":"video/webm"},"""
            + """{"type":"blob","content":"JVBERi0=","mime_type":"application/pdf"},"""
            + """{"type":"input_video"}]}""",
            messages.RootElement[1].GetRawText());
        Assert.Equal(
            """{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}]}""",
            messages.RootElement[2].GetRawText());
        Assert.Equal(
            """{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"18°C, sunny"}]}""",
            messages.RootElement[3].GetRawText());
    }

    [Fact]
    public void PartsAlreadyInTheConventionsShapeKeepTheirFields()
    {
        const string Request = """
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"uri","uri":"https://example.com/talk.mp3","mime_type":"audio/mpeg","modality":"audio"},
              {"type":"reasoning","content":"Think first."}
            ]}]}
            """;
        ChatCompletionRequest request = JsonSerializer.Deserialize(Request, OpenAiJsonContext.Default.ChatCompletionRequest)!;

        using JsonDocument messages = JsonDocument.Parse(Render(request.Messages));

        Assert.Equal(
            """[{"type":"uri","modality":"audio","mime_type":"audio/mpeg","uri":"https://example.com/talk.mp3"},"""
            + """{"type":"reasoning","content":"Think first."}]""",
            messages.RootElement[0].GetProperty("parts").GetRawText());
    }

    [Fact]
    public void TheNestedPartsAreTheSameJsonWhetherEmbeddedInAnOtlpStringOrNot()
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(MultimodalRequest, OpenAiJsonContext.Default.ChatCompletionRequest)!;

        // The OTLP/JSON sink's rendering is already escaped as the inside of a string; unescaped it must equal the
        // plain rendering and the general Utf8JsonWriter path.
        string plain = Render(request.Messages);
        string embedded;
        using (ContentJsonBuffer content = ContentJsonBuffer.Rent<OtlpJsonBufferSink>())
        {
            WriteAll(content, request.Messages);
            embedded = System.Text.Encoding.UTF8.GetString(content.GetWrittenUtf8());
        }

        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (ChatMessage message in request.Messages)
            {
                ContentJsonBuffer.WriteObject(writer, message);
            }

            writer.WriteEndArray();
        }

        Assert.Equal(plain, embedded);
        Assert.Equal(plain, System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void ThePartsFollowAChangedContent()
    {
        var message = new ChatMessage { Role = "user", Content = "first" };
        Assert.Equal("first", Assert.Single(message.Parts).Content);
        Assert.Same(message.Parts, message.Parts);

        message.Content = "second";
        Assert.Equal("second", Assert.Single(message.Parts).Content);

        message.ToolCalls = [new ChatToolCall { Id = "c", Function = new ChatFunctionCall { Name = "f", Arguments = "{}" } }];
        Assert.Equal(["text", "tool_call"], message.Parts.Select(p => p.Type));

        message.Role = "tool";
        message.ToolCallId = "c";
        Assert.Equal("tool_call_response", Assert.Single(message.Parts).Type);
    }

    [Fact]
    public void ThePartsFollowAToolCallChangedInPlace()
    {
        // A gateway may complete a tool call's arguments, or replace a call, in the list it already has.
        var call = new ChatToolCall { Id = "c1", Function = new ChatFunctionCall { Name = "f", Arguments = "{}" } };
        var message = new ChatMessage { Role = "assistant", ToolCalls = [call] };
        Assert.Equal("{}", Assert.Single(message.Parts).Arguments);

        call.Function.Arguments = "{\"city\":\"Paris\"}";
        Assert.Equal("{\"city\":\"Paris\"}", Assert.Single(message.Parts).Arguments);

        call.Function.Name = "g";
        call.Id = "c2";
        Assert.Equal(("g", "c2"), (Assert.Single(message.Parts).Name, message.Parts[0].Id));

        call.Function = new ChatFunctionCall { Name = "h", Arguments = "[]" };
        Assert.Equal("h", Assert.Single(message.Parts).Name);

        message.ToolCalls[0] = new ChatToolCall { Id = "c3", Function = new ChatFunctionCall { Name = "k", Arguments = "{}" } };
        Assert.Equal("c3", Assert.Single(message.Parts).Id);
        Assert.Same(message.Parts, message.Parts);
    }

    [Fact]
    public void ANullToolCallIsLeftOut()
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(
            """{"model":"m","messages":[{"role":"assistant","content":"hi","tool_calls":[null]}]}""",
            OpenAiJsonContext.Default.ChatCompletionRequest)!;

        Assert.Equal("text", Assert.Single(request.Messages[0].Parts).Type);
    }

    [Fact]
    public void RenderingNestedPartsAgainAllocatesNothing()
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(MultimodalRequest, OpenAiJsonContext.Default.ChatCompletionRequest)!;
        void RenderOnce()
        {
            using ContentJsonBuffer content = ContentJsonBuffer.Rent<OtlpJsonBufferSink>();
            WriteAll(content, request.Messages);
        }

        // Twice: the thread's buffers swap places between the outer array and the parts, so each grows once.
        RenderOnce();
        RenderOnce();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            RenderOnce();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static string Render(List<ChatMessage> messages)
    {
        using ContentJsonBuffer content = ContentJsonBuffer.Rent();
        WriteAll(content, messages);
        return System.Text.Encoding.UTF8.GetString(content.GetWrittenUtf8());
    }

    private static void WriteAll(ContentJsonBuffer content, List<ChatMessage> messages)
    {
        content.WriteStartArray();
        foreach (ChatMessage message in messages)
        {
            content.WriteObject(message);
        }

        content.WriteEndArray();
    }
}

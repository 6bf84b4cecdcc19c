using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.AI.Tests;

public sealed class ChatClientMiddlewareTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private OtlpTestReceiver _full = null!;
    private OtlpTestReceiver _private = null!;
    private DestinationRegistry _registry = null!;
    private GenerationBroadcaster _broadcaster = null!;

    public async Task InitializeAsync()
    {
        _full = await OtlpTestReceiver.StartAsync();
        _private = await OtlpTestReceiver.StartAsync();
        _registry = new DestinationRegistry(new ExporterServices { Resource = new OtlpResource("ai-tests") });
        await _registry.AddAsync(OtlpDestination.Create(new OtlpDestinationOptions { Name = "full", Endpoint = _full.TracesEndpoint.AbsoluteUri, ScheduledDelay = TimeSpan.FromMinutes(30) }));
        await _registry.AddAsync(OtlpDestination.Create(new OtlpDestinationOptions { Name = "private", Endpoint = _private.TracesEndpoint.AbsoluteUri, PrivacyMode = true, ScheduledDelay = TimeSpan.FromMinutes(30) }));
        _broadcaster = new GenerationBroadcaster(_registry);
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        await _full.DisposeAsync();
        await _private.DisposeAsync();
    }

    [Fact]
    public async Task ACallArrivesAsATraceWithRequestResponseUsageAndContent()
    {
        var inner = new FakeChatClient
        {
            Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hi there!"))
            {
                ResponseId = "chatcmpl-1",
                ModelId = "gpt-4o-2024-08-06",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 3, TotalTokenCount = 15, CachedInputTokenCount = 4 },
            },
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster, o => o.Cost = (_, u) => new GenerationCost(Input: u.InputTokenCount * 0.001)).Build();
        var options = new ChatOptions
        {
            ModelId = "gpt-4o",
            Temperature = 0.5f,
            TopP = 0.9f,
            MaxOutputTokens = 100,
            StopSequences = ["END"],
            Seed = 42,
            Instructions = "Be brief.",
            ResponseFormat = ChatResponseFormat.Json,
            ConversationId = "conv-7",
            Tools = [AIFunctionFactory.CreateDeclaration("get_weather", "Weather for a city", JsonDocument.Parse("{}").RootElement)],
        };

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello!")], options);
        Assert.Equal("Hi there!", response.Text);

        (ReceivedSpan root, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("chat request", root.Name);
        Assert.Equal(2, root.Kind);
        Assert.Equal(root.SpanId, generation.ParentSpanId);
        Assert.Equal("chat gpt-4o", generation.Name);
        Assert.Equal(3, generation.Kind);
        Assert.Equal("gpt-4o", generation["gen_ai.request.model"].AsString());
        Assert.Equal(0.5, generation["gen_ai.request.temperature"].AsDouble());
        Assert.Equal(0.9, generation["gen_ai.request.top_p"].AsDouble());
        Assert.Equal(100, generation["gen_ai.request.max_tokens"].AsInt());
        Assert.Equal(["END"], generation["gen_ai.request.stop_sequences"].AsArray().Select(v => v.AsString()));
        Assert.Equal(42, generation["gen_ai.request.seed"].AsInt());
        Assert.False(generation["gen_ai.request.stream"].AsBool());
        Assert.Equal("openai", generation["gen_ai.provider.name"].AsString());
        Assert.Equal("api.openai.com", generation["server.address"].AsString());
        Assert.Equal(443, generation["server.port"].AsInt());
        Assert.Equal("chatcmpl-1", generation["gen_ai.response.id"].AsString());
        Assert.Equal("gpt-4o-2024-08-06", generation["gen_ai.response.model"].AsString());
        Assert.Equal(["stop"], generation["gen_ai.response.finish_reasons"].AsArray().Select(v => v.AsString()));
        Assert.Equal(12, generation["gen_ai.usage.input_tokens"].AsInt());
        Assert.Equal(3, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.Equal(15, generation["gen_ai.usage.total_tokens"].AsInt());
        Assert.Equal(4, generation["gen_ai.usage.cache_read.input_tokens"].AsInt());
        Assert.Equal(0.012, generation["gen_ai.usage.input_cost"].AsDouble(), 6);
        Assert.Equal("json", generation["gen_ai.output.type"].AsString());
        Assert.Equal("conv-7", generation["gen_ai.conversation.id"].AsString());
        using JsonDocument tools = JsonDocument.Parse(generation["gen_ai.tool.definitions"].AsString());
        Assert.Equal("get_weather", tools.RootElement[0].GetProperty("name").GetString());
        Assert.Equal("Weather for a city", tools.RootElement[0].GetProperty("description").GetString());

        using JsonDocument input = JsonDocument.Parse(generation["gen_ai.input.messages"].AsString());
        // Instructions given apart from the messages go apart, as the conventions ask.
        Assert.Equal("""[{"type":"text","content":"Be brief."}]""", generation["gen_ai.system_instructions"].AsString());
        Assert.Equal("""[{"role":"user","parts":[{"type":"text","content":"Hello!"}]}]""", input.RootElement.GetRawText());
        using JsonDocument output = JsonDocument.Parse(generation["gen_ai.output.messages"].AsString());
        Assert.Equal("assistant", output.RootElement[0].GetProperty("role").GetString());
        Assert.Equal("Hi there!", output.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
        Assert.Equal("stop", output.RootElement[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task FunctionCallsAndResultsBecomeToolCallAndToolResponseParts()
    {
        var inner = new FakeChatClient
        {
            Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_2", "get_time", new Dictionary<string, object?> { ["zone"] = "UTC" })]))
            {
                FinishReason = ChatFinishReason.ToolCalls,
            },
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        ChatMessage[] history =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Zürich", ["days"] = 2 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "18°C, sunny")]),
            new(ChatRole.Tool, [new FunctionResultContent("call_0", new Dictionary<string, object?> { ["ok"] = true })]),

            // Parallel calls are answered in one message; each result is an OpenAI tool message of its own.
            new(ChatRole.Tool, [new FunctionResultContent("call_a", JsonDocument.Parse("\"12°C\"").RootElement), new FunctionResultContent("call_b", "rain")]),
        ];

        await client.GetResponseAsync(history);

        (_, ReceivedSpan generation) = await Trace(_full);
        using JsonDocument input = JsonDocument.Parse(generation["gen_ai.input.messages"].AsString());
        Assert.Equal(
            """{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":"{\"city\":\"Zürich\",\"days\":2}"}]}""",
            input.RootElement[1].GetRawText());
        Assert.Equal("""{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"18°C, sunny"}]}""", input.RootElement[2].GetRawText());
        Assert.Equal("""{"ok":true}""", input.RootElement[3].GetProperty("parts")[0].GetProperty("response").GetString());
        Assert.Equal(6, input.RootElement.GetArrayLength());
        Assert.Equal("""{"role":"tool","parts":[{"type":"tool_call_response","id":"call_a","response":"12°C"}]}""", input.RootElement[4].GetRawText());
        Assert.Equal("""{"role":"tool","parts":[{"type":"tool_call_response","id":"call_b","response":"rain"}]}""", input.RootElement[5].GetRawText());
        using JsonDocument output = JsonDocument.Parse(generation["gen_ai.output.messages"].AsString());
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"tool_call","id":"call_2","name":"get_time","arguments":"{\"zone\":\"UTC\"}"}],"finish_reason":"tool_calls"}]""",
            output.RootElement.GetRawText());
    }

    [Fact]
    public async Task AFunctionResultThatIsOnlyAnExceptionIsRecordedAsItsMessageWithoutTheStackTrace()
    {
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "The lookup failed.")) };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        Exception failure = Thrown(new InvalidOperationException("the weather service is down"));
        Assert.NotNull(failure.StackTrace);

        await client.GetResponseAsync([new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_1", result: null) { Exception = failure }])]);

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal(
            """[{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"the weather service is down"}]}]""",
            generation["gen_ai.input.messages"].AsString());

        static Exception Thrown(Exception exception)
        {
            try
            {
                throw exception;
            }
            catch (Exception caught)
            {
                return caught;
            }
        }
    }

    [Fact]
    public async Task ImagesAudioAndFilesInMessagesBecomeBlobUriAndFileParts()
    {
        var inner = new FakeChatClient
        {
            Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new TextContent("A cat."), new DataContent(new byte[] { 9 }, "image/webp")])),
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        ChatMessage question = new(ChatRole.User,
        [
            new TextContent("What is this?"),
            new DataContent(new byte[] { 1, 2, 3 }, "image/png"),
            new UriContent("https://example.com/cat.jpg", "image/jpeg"),
            new DataContent(new byte[] { 4, 5 }, "audio/wav"),
            new DataContent(new byte[] { 6 }, "application/pdf"),
            new DataContent(new byte[] { 7, 8 }, "video/mp4"),
            new HostedFileContent("file-abc"),
        ]);

        await client.GetResponseAsync([question]);

        (_, ReceivedSpan generation) = await Trace(_full);
        using JsonDocument input = JsonDocument.Parse(generation["gen_ai.input.messages"].AsString());
        Assert.Equal(
            """[{"type":"text","content":"What is this?"},""" +
            """{"type":"blob","content":"AQID","modality":"image","mime_type":"image/png"},""" +
            """{"type":"uri","modality":"image","uri":"https://example.com/cat.jpg"},""" +
            """{"type":"blob","content":"BAU=","modality":"audio","mime_type":"audio/wav"},""" +
            """{"type":"blob","content":"Bg==","mime_type":"application/pdf"},""" +
            """{"type":"blob","content":"Bwg=","modality":"video","mime_type":"video/mp4"},""" +
            """{"type":"file","file_id":"file-abc"}]""",
            input.RootElement[0].GetProperty("parts").GetRawText());
        using JsonDocument output = JsonDocument.Parse(generation["gen_ai.output.messages"].AsString());
        Assert.Equal(
            """[{"type":"text","content":"A cat."},{"type":"blob","content":"CQ==","modality":"image","mime_type":"image/webp"}]""",
            output.RootElement[0].GetProperty("parts").GetRawText());
        (_, ReceivedSpan hidden) = await Trace(_private);
        Assert.False(hidden.Attributes.ContainsKey("gen_ai.input.messages"));
        Assert.DoesNotContain("AQID", Assert.Single(_private.Requests).BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddressesOfAudioVideoAndDocumentsBecomeUriPartsWithTheirAddressAndMediaType()
    {
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "Heard, seen, read.")) };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        ChatMessage question = new(ChatRole.User,
        [
            new UriContent("https://example.com/talk.mp3", "audio/mpeg"),
            new UriContent("https://example.com/clip.mp4", "video/mp4"),
            new UriContent("https://example.com/paper.pdf", "application/pdf"),
            new UriContent("https://example.com/cat.jpg", "image/jpeg"),
        ]);

        await client.GetResponseAsync([question]);

        (_, ReceivedSpan generation) = await Trace(_full);
        using JsonDocument input = JsonDocument.Parse(generation["gen_ai.input.messages"].AsString());
        Assert.Equal(
            """[{"type":"uri","modality":"audio","mime_type":"audio/mpeg","uri":"https://example.com/talk.mp3"},""" +
            """{"type":"uri","modality":"video","mime_type":"video/mp4","uri":"https://example.com/clip.mp4"},""" +
            """{"type":"uri","mime_type":"application/pdf","uri":"https://example.com/paper.pdf"},""" +
            """{"type":"uri","modality":"image","uri":"https://example.com/cat.jpg"}]""",
            input.RootElement[0].GetProperty("parts").GetRawText());
    }

    [Fact]
    public async Task ReasoningBecomesAReasoningPartBeforeTheAnswer()
    {
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent("The user greets; ")]) { MessageId = "m1" },
                new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent("greet back.")]) { MessageId = "m1" },
                new ChatResponseUpdate(ChatRole.Assistant, "Hello!") { MessageId = "m1", FinishReason = ChatFinishReason.Stop },
            ],
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        ChatResponse response = await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")]).ToChatResponseAsync();

        Assert.Equal("Hello!", response.Text);
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"reasoning","content":"The user greets; greet back."},{"type":"text","content":"Hello!"}],"finish_reason":"stop"}]""",
            generation["gen_ai.output.messages"].AsString());
    }

    [Fact]
    public async Task AStreamThatOnlyCallsAToolRecordsTheCallAsItsOutput()
    {
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call_9", "lookup", new Dictionary<string, object?> { ["q"] = "otlp" })]) { ResponseId = "stream-9" },
                new ChatResponseUpdate { ResponseId = "stream-9", FinishReason = ChatFinishReason.ToolCalls },
            ],
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Search")]))
        {
            _ = update;
        }

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"tool_call","id":"call_9","name":"lookup","arguments":"{\"q\":\"otlp\"}"}],"finish_reason":"tool_calls"}]""",
            generation["gen_ai.output.messages"].AsString());
    }

    [Fact]
    public async Task ThePrivacyDestinationGetsTheSameTraceWithoutContent()
    {
        var inner = new FakeChatClient
        {
            Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("secret reasoning"), new TextContent("secret answer")])),
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        var options = new ChatOptions { Tools = [AIFunctionFactory.CreateDeclaration("secret_tool", "secret tool", JsonDocument.Parse("{}").RootElement)] };

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "secret question")], options);

        (_, ReceivedSpan generation) = await Trace(_private);
        Assert.False(generation.Attributes.ContainsKey("gen_ai.input.messages"));
        Assert.False(generation.Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.Equal("gpt-4o-mini", generation["gen_ai.request.model"].AsString());
        Assert.Equal("chat gpt-4o-mini", generation.Name);
        Assert.DoesNotContain("secret", Assert.Single(_private.Requests).BodyText, StringComparison.Ordinal);
        (_, ReceivedSpan full) = await Trace(_full);
        Assert.Contains("secret question", full["gen_ai.input.messages"].AsString(), StringComparison.Ordinal);
        Assert.Contains("secret reasoning", full["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
    }

    /// <summary>The time to the first token ends at the first thing the model generated, whatever its kind: a reasoning
    /// model streams its reasoning first, and a call that only asks for a tool streams no text at all. Usage does not
    /// end it. The stream's clock moves 0.5 s before its first update and 2 s before its second.</summary>
    [Theory]
    [InlineData("reasoning", 0.5)]
    [InlineData("encrypted reasoning", 0.5)]
    [InlineData("tool call", 0.5)]
    [InlineData("tool call awaiting approval", 0.5)]
    [InlineData("image", 0.5)]
    [InlineData("image by address", 0.5)]
    [InlineData("text", 0.5)]
    [InlineData("tool result", 2.5)]
    [InlineData("usage", 2.5)]
    [InlineData("empty text", 2.5)]
    public async Task TimeToFirstTokenEndsAtTheFirstOutputOfAnyKind(string first, double expectedSeconds)
    {
        AIContent firstContent = first switch
        {
            "reasoning" => new TextReasoningContent("Let me think."),
            "encrypted reasoning" => new TextReasoningContent(string.Empty) { ProtectedData = "opaque" },
            "tool call" => new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" }),
            "tool call awaiting approval" => new ToolApprovalRequestContent("approval-1", new FunctionCallContent("call-1", "get_weather")),
            "image" => new DataContent("data:image/png;base64,iVBORw0KGgo="),
            "image by address" => new UriContent("https://example.com/generated.png", "image/png"),
            "text" => new TextContent("Hel"),
            "tool result" => new FunctionResultContent("call-1", "sunny"),
            "usage" => new UsageContent(new UsageDetails { InputTokenCount = 7 }),
            _ => new TextContent(string.Empty),
        };
        var time = new SteppingTime();
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, [firstContent]) { ResponseId = "stream-2" },
                new ChatResponseUpdate(ChatRole.Assistant, "lo!") { ResponseId = "stream-2", FinishReason = ChatFinishReason.Stop },
            ],
            BeforeUpdate = index => time.Advance(TimeSpan.FromSeconds(index == 0 ? 0.5 : 2)),
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(new GenerationBroadcaster(_registry, time)).Build();

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Weather in Paris?")]))
        {
        }

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal(expectedSeconds, generation["gen_ai.response.time_to_first_token"].AsDouble(), precision: 6);
    }

    [Fact]
    public async Task AStreamedCallCollectsChunksUsageFinishReasonAndTimeToFirstToken()
    {
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, "Hel") { ResponseId = "stream-1", ModelId = "gpt-4o-mini-2024" },
                new ChatResponseUpdate(ChatRole.Assistant, "lo!") { ResponseId = "stream-1" },
                new ChatResponseUpdate
                {
                    ResponseId = "stream-1",
                    FinishReason = ChatFinishReason.Length,
                    Contents = [new UsageContent(new UsageDetails { InputTokenCount = 7, OutputTokenCount = 2, ReasoningTokenCount = 1 })],
                },
            ],
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        var text = new System.Text.StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Say hello")]))
        {
            text.Append(update.Text);
        }

        Assert.Equal("Hello!", text.ToString());
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.True(generation["gen_ai.request.stream"].AsBool());
        Assert.Equal("stream-1", generation["gen_ai.response.id"].AsString());
        Assert.Equal("gpt-4o-mini-2024", generation["gen_ai.response.model"].AsString());
        Assert.Equal(["length"], generation["gen_ai.response.finish_reasons"].AsArray().Select(v => v.AsString()));
        Assert.Equal(7, generation["gen_ai.usage.input_tokens"].AsInt());
        Assert.Equal(2, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.Equal(9, generation["gen_ai.usage.total_tokens"].AsInt());
        Assert.Equal(1, generation["gen_ai.usage.reasoning.output_tokens"].AsInt());
        Assert.True(generation["gen_ai.response.time_to_first_token"].AsDouble() >= 0);
        using JsonDocument output = JsonDocument.Parse(generation["gen_ai.output.messages"].AsString());
        Assert.Equal("Hello!", output.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
        Assert.Equal("length", output.RootElement[0].GetProperty("finish_reason").GetString());

        (_, ReceivedSpan hidden) = await Trace(_private);
        Assert.False(hidden.Attributes.ContainsKey("gen_ai.output.messages"));
    }

    [Fact]
    public async Task UsageReportedInSeveralUpdatesOfAStreamIsAddedUp()
    {
        // Some providers report input tokens when the message starts and output tokens when it ends; a client with
        // function invocation below streams one usage per round trip. Microsoft.Extensions.AI adds them up
        // (ToChatResponse), and so must the recording: the last one alone loses the others' tokens.
        ChatResponseUpdate[] updates =
        [
            new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 20, CachedInputTokenCount = 5 })] },
            new ChatResponseUpdate(ChatRole.Assistant, "Hi"),
            new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop, Contents = [new UsageContent(new UsageDetails { OutputTokenCount = 4 })] },
        ];
        var inner = new FakeChatClient { Updates = updates };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")]))
        {
        }

        Assert.Equal(20, updates.ToChatResponse().Usage?.InputTokenCount);
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal(20, generation["gen_ai.usage.input_tokens"].AsInt());
        Assert.Equal(4, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.Equal(24, generation["gen_ai.usage.total_tokens"].AsInt());
        Assert.Equal(5, generation["gen_ai.usage.cache_read.input_tokens"].AsInt());
    }

    [Fact]
    public async Task TokenCountsTheProviderDidNotReportAreLeftOutNotSentAsZero()
    {
        // A count of 0 says the call used no input tokens; an unreported count is unknown, and a backend would sum
        // the zeros into its totals and costs.
        var inner = new FakeChatClient
        {
            Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { Usage = new UsageDetails { OutputTokenCount = 5 } },
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")]);

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal(5, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.False(generation.Attributes.ContainsKey("gen_ai.usage.input_tokens"));
        Assert.False(generation.Attributes.ContainsKey("gen_ai.usage.total_tokens"));
    }

    [Fact]
    public async Task AStreamOfSeveralMessagesIsRecordedAsThoseMessages()
    {
        // What a client that invokes functions streams when it sits below the middleware: the assistant's call, the
        // tool's result (a message of its own) and the assistant's answer, told apart by their message ids.
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]) { MessageId = "m1" },
                new ChatResponseUpdate(ChatRole.Tool, [new FunctionResultContent("call_1", "18°C")]) { MessageId = "m2" },
                new ChatResponseUpdate(ChatRole.Assistant, "It is ") { MessageId = "m3" },
                new ChatResponseUpdate(ChatRole.Assistant, "18°C.") { MessageId = "m3", FinishReason = ChatFinishReason.Stop },
            ],
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Weather in Paris?")]))
        {
        }

        (_, ReceivedSpan generation) = await Trace(_full);
        using JsonDocument output = JsonDocument.Parse(generation["gen_ai.output.messages"].AsString());
        Assert.Equal(3, output.RootElement.GetArrayLength());
        Assert.Equal(
            """{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}],"finish_reason":"stop"}""",
            output.RootElement[0].GetRawText());
        Assert.Equal("""{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"18°C"}],"finish_reason":"stop"}""", output.RootElement[1].GetRawText());
        Assert.Equal("""{"role":"assistant","parts":[{"type":"text","content":"It is 18°C."}],"finish_reason":"stop"}""", output.RootElement[2].GetRawText());
    }

    [Fact]
    public async Task AConversationIdOnBothRequestAndResponseIsSentOnceWithTheRequestsValue()
    {
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { ConversationId = "conv-answered" } };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ConversationId = "conv-asked" });

        // The receiver is strict: a key written twice would refuse the request, and no span would arrive.
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Single(generation.Attributes, a => a.Key == "gen_ai.conversation.id");
        Assert.Equal("conv-asked", generation["gen_ai.conversation.id"].AsString());
    }

    [Fact]
    public async Task AConversationIdOnlyTheResponseHasIsSent()
    {
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { ConversationId = "conv-answered" } };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions());

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("conv-answered", generation["gen_ai.conversation.id"].AsString());
    }

    [Fact]
    public async Task AStreamedCallWithAConversationIdOnBothSidesSendsItOnceWithTheRequestsValue()
    {
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, "o") { ConversationId = "conv-answered" },
                new ChatResponseUpdate(ChatRole.Assistant, "k") { ConversationId = "conv-answered" },
            ],
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ConversationId = "conv-asked" }))
        {
        }

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Single(generation.Attributes, a => a.Key == "gen_ai.conversation.id");
        Assert.Equal("conv-asked", generation["gen_ai.conversation.id"].AsString());
    }

    public static TheoryData<string> TraceForms => ["dictionary", "json", "field", "text"];

    [Theory]
    [MemberData(nameof(TraceForms))]
    public async Task TraceOptionsFromAdditionalPropertiesShapeTheTree(string form)
    {
        const string Json = """{"trace_id":"app_trace_001","trace_name":"Chat Handler","span_name":"Step","generation_name":"Generate Response","environment":"staging","team":{"name":"core"}}""";
        object trace = form switch
        {
            "dictionary" => new Dictionary<string, object?>
            {
                ["trace_id"] = "app_trace_001",
                ["trace_name"] = "Chat Handler",
                ["span_name"] = "Step",
                ["generation_name"] = "Generate Response",
                ["environment"] = "staging",
                ["team"] = new Dictionary<string, object?> { ["name"] = "core" },
            },
            "json" => JsonDocument.Parse(Json).RootElement.Clone(),
            "field" => TraceField.Parse(Json),
            _ => Json,
        };
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        var options = new ChatOptions
        {
            AdditionalProperties = new AdditionalPropertiesDictionary
            {
                ["trace"] = trace,
                ["user"] = "user_12345",
                ["session_id"] = "session_abc",
            },
        };

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options);
        Assert.True(await _registry.FlushAsync(Patience));

        IReadOnlyList<ReceivedSpan> spans = await _full.WaitForSpansAsync(3, Patience);
        Assert.Equal(3, spans.Count);
        Assert.All(spans, s => Assert.Equal("522cf1e8476223c9f6ae5d9d0f41c52e", s.TraceId));
        ReceivedSpan root = spans.Single(s => s.Name == "Chat Handler");
        ReceivedSpan step = spans.Single(s => s.Name == "Step");
        ReceivedSpan generation = spans.Single(s => s.Name == "Generate Response");
        Assert.Null(root.ParentSpanId);
        Assert.Equal(root.SpanId, step.ParentSpanId);
        Assert.Equal(step.SpanId, generation.ParentSpanId);
        Assert.Equal("user_12345", generation["user.id"].AsString());
        Assert.Equal("session_abc", generation["session.id"].AsString());
        Assert.Equal("staging", generation["trace.metadata.environment"].AsString());
        Assert.Equal("core", generation["trace.metadata.team.name"].AsString());
        Assert.Equal("app_trace_001", root["trace.trace_id"].AsString());

        // The options reach the inner client untouched (routers read them from the request body).
        Assert.Same(options, Assert.Single(inner.SeenOptions));
    }

    public static TheoryData<string> StringTraceForms => ["Dictionary<string, string>", "SortedDictionary<string, string>", "pairs"];

    [Theory]
    [MemberData(nameof(StringTraceForms))]
    public async Task ATraceOfStringsInAnyDictionaryShapesTheTree(string form)
    {
        var entries = new Dictionary<string, string>
        {
            ["trace_id"] = "app_trace_001",
            ["trace_name"] = "Chat Handler",
            ["span_name"] = "Step",
            ["generation_name"] = "Generate Response",
            ["environment"] = "staging",
        };
        object trace = form switch
        {
            "Dictionary<string, string>" => entries,
            "SortedDictionary<string, string>" => new SortedDictionary<string, string>(entries, StringComparer.Ordinal),
            _ => entries.ToList(),
        };

        IReadOnlyList<ReceivedSpan> spans = await CallWithTrace(trace, 3);

        Assert.Equal(3, spans.Count);
        ReceivedSpan root = spans.Single(s => s.Name == "Chat Handler");
        ReceivedSpan step = spans.Single(s => s.Name == "Step");
        ReceivedSpan generation = spans.Single(s => s.Name == "Generate Response");
        Assert.Equal(root.SpanId, step.ParentSpanId);
        Assert.Equal(step.SpanId, generation.ParentSpanId);
        Assert.Equal("staging", generation["trace.metadata.environment"].AsString());
        Assert.Equal("app_trace_001", root["trace.trace_id"].AsString());
    }

    [Fact]
    public async Task DictionariesOfAnyValueTypeNestedInATraceAreSentAsObjectsWithInvariantKeys()
    {
        CultureInfo culture = CultureInfo.CurrentCulture;
        IReadOnlyList<ReceivedSpan> spans;
        try
        {
            // A decimal comma here would give the key "1,5".
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            spans = await CallWithTrace(
                new Dictionary<string, object?>
                {
                    ["trace_name"] = "Chat Handler",
                    ["limits"] = new Dictionary<string, int> { ["tokens"] = 100 },
                    ["team"] = new Dictionary<string, string> { ["name"] = "core" },
                    ["tiers"] = new SortedDictionary<double, string> { [1.5] = "gold" },
                    ["labels"] = new List<KeyValuePair<string, string>> { new("region", "eu") },
                },
                2);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        Assert.Contains(spans, s => s.Name == "Chat Handler");
        ReceivedSpan generation = Generation(spans);
        Assert.Equal(100, generation["trace.metadata.limits.tokens"].AsInt());
        Assert.Equal("core", generation["trace.metadata.team.name"].AsString());
        Assert.Equal("gold", generation["trace.metadata.tiers.1.5"].AsString());
        Assert.Equal("eu", generation["trace.metadata.labels.region"].AsString());
    }

    [Fact]
    public async Task AnUnreadableTraceEntryIsIgnoredAndTheCallStillSucceeds()
    {
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        var options = new ChatOptions { AdditionalProperties = new AdditionalPropertiesDictionary { ["trace"] = "{not json" } };

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options);

        Assert.Equal("ok", response.Text);
        (ReceivedSpan root, _) = await Trace(_full);
        Assert.Equal("chat request", root.Name);
    }

    public static TheoryData<object, string> NonFiniteNumbers => new()
    {
        { double.NaN, "NaN" },
        { double.PositiveInfinity, "Infinity" },
        { float.NegativeInfinity, "-Infinity" },
    };

    [Theory]
    [MemberData(nameof(NonFiniteNumbers))]
    public async Task ANonFiniteNumberInATraceDictionaryIsSentAsText(object number, string expected)
    {
        IReadOnlyList<ReceivedSpan> spans = await CallWithTrace(new Dictionary<string, object?> { ["trace_name"] = "Chat Handler", ["score"] = number }, 2);

        Assert.Contains(spans, s => s.Name == "Chat Handler");
        Assert.Equal(expected, Generation(spans)["trace.metadata.score"].AsString());
    }

    [Fact]
    public async Task FloatsAndDatesInATraceDictionaryAreSentAsTheyRead()
    {
        // A float went through double (0.1f as 0.10000000149011612), and dates as the invariant culture's general
        // text (12/07/2026 12:34:56), without their fraction of a second or their offset's meaning.
        var when = new DateTimeOffset(2026, 12, 7, 12, 34, 56, 789, TimeSpan.FromHours(1));
        IReadOnlyList<ReceivedSpan> spans = await CallWithTrace(
            new Dictionary<string, object?>
            {
                ["trace_name"] = "Chat Handler",
                ["ratio"] = 0.1f,
                ["at"] = when,
                ["utc"] = when.UtcDateTime,
                ["day"] = DateOnly.FromDateTime(when.DateTime),
                ["time"] = TimeOnly.FromDateTime(when.DateTime),
                ["by_day"] = new Dictionary<DateOnly, int> { [new DateOnly(2026, 12, 7)] = 3 },
            },
            2);

        ReceivedSpan generation = Generation(spans);
        Assert.Equal(0.1, generation["trace.metadata.ratio"].AsDouble());
        Assert.Equal("2026-12-07T12:34:56.7890000+01:00", generation["trace.metadata.at"].AsString());
        Assert.Equal("2026-12-07T11:34:56.7890000Z", generation["trace.metadata.utc"].AsString());
        Assert.Equal("2026-12-07", generation["trace.metadata.day"].AsString());
        Assert.Equal("12:34:56.7890000", generation["trace.metadata.time"].AsString());
        Assert.Equal(3, generation["trace.metadata.by_day.2026-12-07"].AsInt());
    }

    [Fact]
    public async Task ALoneSurrogateInATraceDictionaryIsSentAsTheReplacementCharacter()
    {
        IReadOnlyList<ReceivedSpan> spans = await CallWithTrace(new Dictionary<string, object?> { ["trace_name"] = "Chat Handler", ["note\uD800"] = "a\uDC00b" }, 2);

        Assert.Contains(spans, s => s.Name == "Chat Handler");
        Assert.Equal("a\uFFFDb", Generation(spans)["trace.metadata.note\uFFFD"].AsString());
    }

    [Fact]
    public async Task ATraceValueWhoseToStringThrowsLosesOnlyTheTraceEntryNotTheGeneration()
    {
        IReadOnlyList<ReceivedSpan> spans = await CallWithTrace(new Dictionary<string, object?> { ["trace_name"] = "Chat Handler", ["odd"] = new Unprintable() }, 2);

        Assert.Equal(2, spans.Count);
        Assert.Equal("chat request", spans.Single(s => s.ParentSpanId is null).Name);
        Assert.Equal("ok", JsonDocument.Parse(Generation(spans)["gen_ai.output.messages"].AsString()).RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task AnExceptionFromTheInnerClientIsRecordedAsAnErrorAndRethrownUnchanged()
    {
        var failure = new InvalidOperationException("upstream exploded");
        var inner = new FakeChatClient { Failure = failure };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")]));

        Assert.Same(failure, thrown);
        (ReceivedSpan root, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal(2, generation.StatusCode);
        Assert.Equal("System.InvalidOperationException", generation["error.type"].AsString());
        Assert.Equal(2, root.StatusCode);
        (_, ReceivedSpan hidden) = await Trace(_private);
        Assert.DoesNotContain("upstream exploded", hidden.StatusMessage ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamThatFailsMidwayIsRecordedWithWhatArrivedAndRethrowsUnchanged()
    {
        var failure = new HttpRequestException("connection reset");
        var inner = new FakeChatClient
        {
            Updates = [new ChatResponseUpdate(ChatRole.Assistant, "Partial "), new ChatResponseUpdate(ChatRole.Assistant, "never")],
            Failure = failure,
            FailAfter = 1,
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        var received = new List<string>();
        var thrown = await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")]))
            {
                received.Add(update.Text);
            }
        });

        Assert.Same(failure, thrown);
        Assert.Equal(["Partial "], received);
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("System.Net.Http.HttpRequestException", generation["error.type"].AsString());
        Assert.Contains("Partial ", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamThatFailsMidwayKeepsTheFunctionCallsThatArrivedWithTheText()
    {
        var failure = new HttpRequestException("connection reset");
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call_9", "lookup", new Dictionary<string, object?> { ["q"] = "otlp" })]),
                new ChatResponseUpdate(ChatRole.Assistant, "Looking it up"),
                new ChatResponseUpdate(ChatRole.Assistant, "never"),
            ],
            Failure = failure,
            FailAfter = 2,
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Search")]).ToChatResponseAsync());

        Assert.Same(failure, thrown);
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("System.Net.Http.HttpRequestException", generation["error.type"].AsString());
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"text","content":"Looking it up"},""" +
            """{"type":"tool_call","id":"call_9","name":"lookup","arguments":"{\"q\":\"otlp\"}"}],"finish_reason":"error"}]""",
            generation["gen_ai.output.messages"].AsString());
        (_, ReceivedSpan hidden) = await Trace(_private);
        Assert.False(hidden.Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.DoesNotContain("lookup", Assert.Single(_private.Requests).BodyText, StringComparison.Ordinal);
    }

    /// <summary>When what arrived cannot be made into a response (here a function call whose argument cannot be
    /// written), the failed stream keeps its text and its reasoning, not the text alone.</summary>
    [Fact]
    public async Task AStreamThatFailsWithUpdatesThatCannotBeCombinedKeepsItsReasoningAndText()
    {
        var failure = new HttpRequestException("connection reset");
        var inner = new FakeChatClient
        {
            Updates =
            [
                new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent("Weighing the options.")]),
                new ChatResponseUpdate(ChatRole.Assistant, "Partial answer"),
                new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call_7", "lookup", new Dictionary<string, object?> { ["q"] = new Unprintable() })]),
                new ChatResponseUpdate(ChatRole.Assistant, "never"),
            ],
            Failure = failure,
            FailAfter = 3,
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Decide")]).ToChatResponseAsync());

        (_, ReceivedSpan generation) = await Trace(_full);
        using JsonDocument output = JsonDocument.Parse(generation["gen_ai.output.messages"].AsString());
        JsonElement parts = output.RootElement[0].GetProperty("parts");
        Assert.Equal(
            """[{"type":"reasoning","content":"Weighing the options."},{"type":"text","content":"Partial answer"}]""",
            parts.GetRawText());
        (_, ReceivedSpan hidden) = await Trace(_private);
        Assert.False(hidden.Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.DoesNotContain("Weighing", Assert.Single(_private.Requests).BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAbandonedStreamWhoseDisposalFailsIsStillRecordedAndTheFailurePassesThrough()
    {
        var closing = new IOException("the connection could not be closed");
        var inner = new FakeChatClient
        {
            Updates = [new ChatResponseUpdate(ChatRole.Assistant, "one"), new ChatResponseUpdate(ChatRole.Assistant, "two")],
            DisposeFailure = closing,
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        IOException thrown = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")]))
            {
                break;
            }
        });

        Assert.Same(closing, thrown);
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("cancelled", generation["error.type"].AsString());
        Assert.Contains("one", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamTheCallerAbandonsIsStillRecorded()
    {
        var inner = new FakeChatClient
        {
            Updates = [new ChatResponseUpdate(ChatRole.Assistant, "one"), new ChatResponseUpdate(ChatRole.Assistant, "two")],
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")]))
        {
            break;
        }

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("cancelled", generation["error.type"].AsString());
        Assert.Contains("one", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamTheCallerCancelsIsRecordedAsCancelledWithWhatArrived()
    {
        var inner = new FakeChatClient
        {
            Updates = [new ChatResponseUpdate(ChatRole.Assistant, "one"), new ChatResponseUpdate(ChatRole.Assistant, "two")],
        };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: cancellation.Token))
            {
                await cancellation.CancelAsync();
            }
        });

        // As when the caller stops reading: cancelling is the caller's choice, not an upstream failure.
        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("cancelled", generation["error.type"].AsString());
        Assert.Contains("one", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACallTheCallerCancelsIsRecordedAsCancelledAndTheExceptionPassesThrough()
    {
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        // The inner client throws TaskCanceledException, as HttpClient does; another throws OperationCanceledException.
        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: cancellation.Token));

        (ReceivedSpan root, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("cancelled", generation["error.type"].AsString());
        Assert.Equal(2, root.StatusCode);
    }

    [Fact]
    public async Task ACancellationTheCallerDidNotAskForIsRecordedWithItsType()
    {
        // A timeout inside the inner client is an upstream failure, not the caller's cancellation.
        var inner = new FakeChatClient { Failure = new TaskCanceledException("the upstream timed out") };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();

        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")]));

        (_, ReceivedSpan generation) = await Trace(_full);
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", generation["error.type"].AsString());
    }

    [Fact]
    public async Task TheServiceProviderOverloadUsesTheRegisteredBroadcaster()
    {
        var services = new ServiceCollection();
        services.AddOtlpBroadcast(o => o.AddDestination(new OtlpDestinationOptions
        {
            Name = "di",
            Endpoint = _full.TracesEndpoint.AbsoluteUri,
            ScheduledDelay = TimeSpan.FromMinutes(30),
        }));
        await using ServiceProvider provider = services.BuildServiceProvider();
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(o => o.ProviderName = "my-provider").Build(provider);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")]);
        Assert.True(await provider.GetRequiredService<DestinationRegistry>().FlushAsync(Patience));

        IReadOnlyList<ReceivedSpan> spans = await _full.WaitForSpansAsync(2, Patience);
        Assert.Equal("my-provider", spans.Single(s => s.Attributes.ContainsKey("gen_ai.provider.name"))["gen_ai.provider.name"].AsString());
        Assert.Throws<InvalidOperationException>(() => inner.AsBuilder().UseOtlpBroadcast().Build(new ServiceCollection().BuildServiceProvider()));
    }

    /// <summary>
    /// Makes a call with <paramref name="trace"/> as its <c>trace</c> entry, flushes, and returns the spans that arrived
    /// at the full destination once there are <paramref name="count"/> (or the patience ran out).
    /// </summary>
    private async Task<IReadOnlyList<ReceivedSpan>> CallWithTrace(object trace, int count)
    {
        var inner = new FakeChatClient { Response = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) };
        IChatClient client = inner.AsBuilder().UseOtlpBroadcast(_broadcaster).Build();
        var options = new ChatOptions { AdditionalProperties = new AdditionalPropertiesDictionary { ["trace"] = trace } };

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options);

        Assert.Equal("ok", response.Text);
        Assert.True(await _registry.FlushAsync(Patience));
        return await _full.WaitForSpansAsync(count, Patience);
    }

    /// <summary>The generation span: the one with the GenAI operation on it.</summary>
    private static ReceivedSpan Generation(IReadOnlyList<ReceivedSpan> spans)
        => Assert.Single(spans, s => s.Attributes.ContainsKey("gen_ai.request.model"));

    /// <summary>Flushes, then returns the root and generation spans that arrived at <paramref name="receiver"/>.</summary>
    private async Task<(ReceivedSpan Root, ReceivedSpan Generation)> Trace(OtlpTestReceiver receiver)
    {
        Assert.True(await _registry.FlushAsync(Patience));
        IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(2, Patience);
        Assert.Equal(2, spans.Count);
        return (spans.Single(s => s.ParentSpanId is null), spans.Single(s => s.ParentSpanId is not null));
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class SteppingTime : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _ticks));

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}

/// <summary>A value whose text cannot be had: ToString() throws.</summary>
internal sealed class Unprintable
{
    public override string ToString() => throw new InvalidOperationException("no text");
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast.OpenAi;

/// <summary>
/// An OpenAI-compatible chat completion request, exactly the shape hosted routers accept (<c>model</c>,
/// <c>messages</c>, <c>user</c>, <c>session_id</c>, <c>trace</c>, sampling parameters). Annotated for the generator,
/// so its span attributes are written without reflection; deserialise it with <see cref="OpenAiJsonContext"/>.
/// </summary>
[OtlpAttributes]
public sealed partial class ChatCompletionRequest
{
    /// <summary>The requested model, e.g. <c>openai/gpt-4o</c>.</summary>
    [JsonPropertyName("model")]
    [OtlpAttribute(GenAiAttributes.RequestModel)]
    public string Model { get; set; } = "";

    /// <summary>The conversation: content, written only for destinations not in privacy mode.</summary>
    [JsonPropertyName("messages")]
    [OtlpAttribute(GenAiAttributes.InputMessages), OtlpSensitive]
    public List<ChatMessage> Messages { get; set; } = [];

    /// <summary>The end user; sent as <c>user.id</c> (by the broadcaster, limited to 128 characters).</summary>
    [JsonPropertyName("user")]
    [OtlpIgnore]
    public string? User { get; set; }

    /// <summary>The session; sent as <c>session.id</c> (by the broadcaster, limited to 128 characters).</summary>
    [JsonPropertyName("session_id")]
    [OtlpIgnore]
    public string? SessionId { get; set; }

    /// <summary>The <c>trace</c> field: steers the span tree and carries custom metadata.</summary>
    [JsonPropertyName("trace")]
    [OtlpIgnore]
    public TraceField? Trace { get; set; }

    /// <summary>Sampling temperature.</summary>
    [JsonPropertyName("temperature")]
    [OtlpAttribute(GenAiAttributes.RequestTemperature)]
    public double? Temperature { get; set; }

    /// <summary>Nucleus sampling.</summary>
    [JsonPropertyName("top_p")]
    [OtlpAttribute(GenAiAttributes.RequestTopP)]
    public double? TopP { get; set; }

    /// <summary>Top-k sampling.</summary>
    [JsonPropertyName("top_k")]
    [OtlpAttribute(GenAiAttributes.RequestTopK)]
    public int? TopK { get; set; }

    /// <summary>The most tokens to generate.</summary>
    [JsonPropertyName("max_tokens")]
    [OtlpAttribute(GenAiAttributes.RequestMaxTokens)]
    public int? MaxTokens { get; set; }

    /// <summary>Frequency penalty.</summary>
    [JsonPropertyName("frequency_penalty")]
    [OtlpAttribute(GenAiAttributes.RequestFrequencyPenalty)]
    public double? FrequencyPenalty { get; set; }

    /// <summary>Presence penalty.</summary>
    [JsonPropertyName("presence_penalty")]
    [OtlpAttribute(GenAiAttributes.RequestPresencePenalty)]
    public double? PresencePenalty { get; set; }

    /// <summary>Stop sequences: read from a string (one sequence) or an array of strings, written as an array.</summary>
    [JsonPropertyName("stop")]
    [JsonConverter(typeof(StopSequencesJsonConverter))]
    [OtlpAttribute(GenAiAttributes.RequestStopSequences)]
    public List<string>? Stop { get; set; }

    /// <summary>Seed for deterministic sampling.</summary>
    [JsonPropertyName("seed")]
    [OtlpAttribute(GenAiAttributes.RequestSeed)]
    public long? Seed { get; set; }

    /// <summary>Whether the response is streamed.</summary>
    [JsonPropertyName("stream")]
    [OtlpAttribute(GenAiAttributes.RequestStream)]
    public bool? Stream { get; set; }

    /// <summary>
    /// What goes to the model provider: a copy without the router's own fields (<see cref="Trace"/> and
    /// <see cref="SessionId"/>, which a provider such as OpenAI refuses as unknown), sharing everything else with this
    /// request (the messages and the fields it does not model, such as <c>tools</c>). This request keeps them for the
    /// broadcast.
    /// </summary>
    public ChatCompletionRequest WithoutRouterFields()
    {
        var copy = (ChatCompletionRequest)MemberwiseClone();
        copy.Trace = null;
        copy.SessionId = null;
        return copy;
    }

    /// <summary>The fields this request does not model (<c>tools</c>, <c>tool_choice</c>, <c>response_format</c>,
    /// <c>n</c>, …), kept as they came so that a gateway forwarding the request loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    [OtlpIgnore]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>
/// One chat message, as OpenAI-compatible APIs take it (<c>role</c>, <c>content</c> as text or content parts,
/// <c>name</c>, <c>tool_calls</c>, <c>tool_call_id</c>) and answer it (<c>refusal</c>, and the <c>reasoning</c> or
/// <c>reasoning_content</c> of reasoning models). As content (only ever written inside a sensitive member) it
/// takes the GenAI conventions' shape: <c>{"role":…,"parts":[…],"name":…}</c>, see <see cref="Parts"/>.
/// </summary>
[OtlpAttributes]
public sealed partial class ChatMessage : ITextOnlyMessage
{
    private PartsCache? _parts;

    /// <summary><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    [JsonPropertyName("role")]
    [OtlpAttribute("role")]
    public string Role { get; set; } = "user";

    /// <summary>The content as it came: text, or an array of content parts. Written back as it came, a
    /// <c>"content":null</c> too (an assistant message that only calls tools); setting it, <see langword="null"/>
    /// included, replaces that.</summary>
    [JsonIgnore]
    [OtlpIgnore]
    public ChatMessageContent? MessageContent
    {
        get => NullKeepingContentConverter.ValueOf(ContentJson);
        set => ContentJson = value;
    }

    /// <summary><see cref="MessageContent"/> as it came in JSON: absent, text or parts, or
    /// <see cref="NullKeepingContentConverter.CameAsNull"/>.</summary>
    [JsonPropertyName("content"), JsonInclude, JsonConverter(typeof(NullKeepingContentConverter))]
    internal ChatMessageContent? ContentJson { get; set; }

    /// <summary>The text (of a content-parts array, its text parts joined by line breaks); setting it makes the
    /// content that text.</summary>
    [JsonIgnore]
    [OtlpIgnore]
    public string? Content
    {
        get => MessageContent?.Text;
        set => MessageContent = value is null ? null : new ChatMessageContent(value);
    }

    /// <summary>An optional participant name.</summary>
    [JsonPropertyName("name")]
    [OtlpAttribute("name")]
    public string? Name { get; set; }

    /// <summary>For <c>assistant</c> messages: the tool calls the model asked for.</summary>
    [JsonPropertyName("tool_calls")]
    [OtlpIgnore]
    public List<ChatToolCall>? ToolCalls { get; set; }

    /// <summary>For <c>tool</c> messages: the call answered.</summary>
    [JsonPropertyName("tool_call_id")]
    [OtlpIgnore]
    public string? ToolCallId { get; set; }

    /// <summary>For <c>assistant</c> messages: the model's reasoning, as OpenRouter and others answer it
    /// (<c>reasoning</c>); a <c>reasoning</c> part of <see cref="Parts"/>. Written back only when set or when it came,
    /// as it came (a <c>null</c> too).</summary>
    [JsonIgnore]
    [OtlpIgnore]
    public string? Reasoning
    {
        get => NullKeepingStringConverter.ValueOf(ReasoningJson);
        set => ReasoningJson = value;
    }

    /// <summary>For <c>assistant</c> messages: the model's reasoning, as DeepSeek, vLLM and others answer it
    /// (<c>reasoning_content</c>); the <c>reasoning</c> part of <see cref="Parts"/> when <see cref="Reasoning"/> is
    /// empty. Written back only when set or when it came, as it came (a <c>null</c> too).</summary>
    [JsonIgnore]
    [OtlpIgnore]
    public string? ReasoningContent
    {
        get => NullKeepingStringConverter.ValueOf(ReasoningContentJson);
        set => ReasoningContentJson = value;
    }

    /// <summary>For <c>assistant</c> messages: why the model refused (OpenAI's <c>refusal</c>); a <c>text</c> part of
    /// <see cref="Parts"/>, as a content part of type <c>refusal</c> is. Written back only when set or when it came, as
    /// it came (OpenAI answers <c>"refusal":null</c>).</summary>
    [JsonIgnore]
    [OtlpIgnore]
    public string? Refusal
    {
        get => NullKeepingStringConverter.ValueOf(RefusalJson);
        set => RefusalJson = value;
    }

    /// <summary><see cref="Reasoning"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("reasoning"), JsonInclude, JsonConverter(typeof(NullKeepingStringConverter))]
    internal string? ReasoningJson { get; set; }

    /// <summary><see cref="ReasoningContent"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("reasoning_content"), JsonInclude, JsonConverter(typeof(NullKeepingStringConverter))]
    internal string? ReasoningContentJson { get; set; }

    /// <summary><see cref="Refusal"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("refusal"), JsonInclude, JsonConverter(typeof(NullKeepingStringConverter))]
    internal string? RefusalJson { get; set; }

    /// <summary>
    /// The message's parts in the GenAI conventions' shape: a <c>tool</c> message is one <c>tool_call_response</c>;
    /// otherwise a <c>reasoning</c> part (<see cref="Reasoning"/>, or <see cref="ReasoningContent"/> when that is
    /// empty), then the text (or each content part: <c>text</c>, an image as <c>uri</c> or inline <c>blob</c>, audio as
    /// <c>blob</c>, a file by id), then the <see cref="Refusal"/> as a <c>text</c> part, then a <c>tool_call</c> per
    /// tool call; empty reasoning and refusal are left out. Made once for the message's current content, reasoning,
    /// refusal, tool calls and role, so that encoding it again allocates nothing.
    /// </summary>
    [JsonIgnore]
    [OtlpAttribute("parts"), OtlpSensitive]
    public ChatMessageParts Parts
    {
        get
        {
            PartsCache? cached = _parts;
            if (cached is not null && cached.IsFor(this))
            {
                return cached.Parts;
            }

            var made = new PartsCache(this, new ChatMessageParts(MakeParts()));
            _parts = made;
            return made.Parts;
        }
    }

    /// <summary>A message whose parts would be one <c>text</c> part (<see cref="Parts"/>): content that is a string,
    /// and no name, reasoning, refusal or tool call, in a role other than <c>tool</c>.</summary>
    bool ITextOnlyMessage.TryGetTextOnly(out string role, out string text, out string? finishReason)
    {
        finishReason = null;
        if (Role is { } knownRole && knownRole != "tool" && Name is null
            && MessageContent is { Parts: null, Text: { } onlyText }
            && string.IsNullOrEmpty(Reasoning) && string.IsNullOrEmpty(ReasoningContent) && string.IsNullOrEmpty(Refusal)
            && ToolCalls is null or { Count: 0 })
        {
            role = knownRole;
            text = onlyText;
            return true;
        }

        role = text = string.Empty;
        return false;
    }

    /// <summary>The reasoning of a message or delta that may carry it under either name: <c>reasoning</c>, or
    /// <c>reasoning_content</c> when that is empty (a provider sending both sends the same text).</summary>
    internal static string? ReasoningOf(string? reasoning, string? reasoningContent)
        => string.IsNullOrEmpty(reasoning) ? reasoningContent : reasoning;

    private ChatMessagePart[] MakeParts()
    {
        if (Role == "tool")
        {
            return [ChatMessagePart.ForToolResponse(ToolCallId, Content)];
        }

        var parts = new List<ChatMessagePart>();
        string? reasoning = ReasoningOf(Reasoning, ReasoningContent);
        if (!string.IsNullOrEmpty(reasoning))
        {
            parts.Add(ChatMessagePart.ForReasoning(reasoning));
        }

        if (MessageContent?.Parts is { } contentParts)
        {
            foreach (JsonElement part in contentParts.EnumerateArray())
            {
                if (ChatMessagePart.FromContentPart(part) is { } converted)
                {
                    parts.Add(converted);
                }
            }
        }
        else if (MessageContent?.Text is { } text)
        {
            parts.Add(ChatMessagePart.ForText(text));
        }

        if (!string.IsNullOrEmpty(Refusal))
        {
            parts.Add(ChatMessagePart.ForRefusal(Refusal));
        }

        foreach (ChatToolCall? call in ToolCalls ?? [])
        {
            // "tool_calls":[null] deserialises to a null entry: nothing to describe.
            if (call is not null)
            {
                parts.Add(ChatMessagePart.ForToolCall(call));
            }
        }

        return [.. parts];
    }

    /// <summary>The parts made for one state of the message, compared by reference: a new content, reasoning,
    /// refusal, role, list of tool calls, or a call (or its id, function, name or arguments) changed in place makes
    /// them again.</summary>
    private sealed class PartsCache(ChatMessage message, ChatMessageParts parts)
    {
        private readonly string _role = message.Role;
        private readonly ChatMessageContent? _content = message.MessageContent;
        private readonly string? _reasoning = message.Reasoning;
        private readonly string? _reasoningContent = message.ReasoningContent;
        private readonly string? _refusal = message.Refusal;
        private readonly List<ChatToolCall>? _toolCalls = message.ToolCalls;
        private readonly ToolCallState[] _toolCallStates = ToolCallState.Of(message.ToolCalls);
        private readonly string? _toolCallId = message.ToolCallId;

        public ChatMessageParts Parts { get; } = parts;

        public bool IsFor(ChatMessage message)
            => ReferenceEquals(_role, message.Role)
            && ReferenceEquals(_content, message.MessageContent)
            && ReferenceEquals(_reasoning, message.Reasoning)
            && ReferenceEquals(_reasoningContent, message.ReasoningContent)
            && ReferenceEquals(_refusal, message.Refusal)
            && ReferenceEquals(_toolCalls, message.ToolCalls)
            && ReferenceEquals(_toolCallId, message.ToolCallId)
            && ToolCallState.AllSame(_toolCallStates, message.ToolCalls);
    }

    /// <summary>What a <c>tool_call</c> part was made from, by reference.</summary>
    private readonly record struct ToolCallState(ChatToolCall? Call, string? Id, ChatFunctionCall? Function, string? Name, string? Arguments)
    {
        public static ToolCallState[] Of(List<ChatToolCall>? calls)
        {
            if (calls is null || calls.Count == 0)
            {
                return [];
            }

            var states = new ToolCallState[calls.Count];
            for (int i = 0; i < states.Length; i++)
            {
                states[i] = For(calls[i]);
            }

            return states;
        }

        public static bool AllSame(ToolCallState[] states, List<ChatToolCall>? calls)
        {
            if (states.Length != (calls?.Count ?? 0))
            {
                return false;
            }

            for (int i = 0; i < states.Length; i++)
            {
                if (!states[i].IsSameAs(For(calls![i])))
                {
                    return false;
                }
            }

            return true;
        }

        private static ToolCallState For(ChatToolCall? call)
            => new(call, call?.Id, call?.Function, call?.Function?.Name, call?.Function?.Arguments);

        private bool IsSameAs(ToolCallState other)
            => ReferenceEquals(Call, other.Call) && ReferenceEquals(Id, other.Id) && ReferenceEquals(Function, other.Function)
            && ReferenceEquals(Name, other.Name) && ReferenceEquals(Arguments, other.Arguments);
    }

    /// <summary>The fields this message does not model (<c>audio</c>, <c>annotations</c>, <c>reasoning_details</c>, …), kept as
    /// they came so that a forwarded request or relayed response loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    [OtlpIgnore]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>Reads a request's <c>stop</c> as OpenAI-compatible APIs accept it, one string or an array of strings, and
/// writes it as an array; anything else is refused with a message naming what came.</summary>
public sealed class StopSequencesJsonConverter : JsonConverter<List<string>>
{
    /// <inheritdoc/>
    public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return [reader.GetString()!];
            case JsonTokenType.StartArray:
                var sequences = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Refused($"an array holding {reader.TokenType}");
                    }

                    sequences.Add(reader.GetString()!);
                }

                return sequences;
            default:
                throw Refused(reader.TokenType.ToString());
        }
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (string sequence in value)
        {
            writer.WriteStringValue(sequence);
        }

        writer.WriteEndArray();
    }

    private static JsonException Refused(string what)
        => new($"A request's stop must be a string or an array of strings, not {what}.");
}

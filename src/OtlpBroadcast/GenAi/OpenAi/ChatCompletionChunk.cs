using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast.OpenAi;

/// <summary>
/// One chunk of a streamed chat completion (<c>chat.completion.chunk</c>), the <c>data:</c> of each server-sent event
/// an OpenAI-compatible API streams. Not a span source itself: a gateway relaying a stream passes each delta's text to
/// <see cref="GenerationRecording{TRequest}.AppendOutput"/>, its reasoning (<see cref="ChatChunkDelta.ReasoningText"/>)
/// to <see cref="GenerationRecording{TRequest}.AppendReasoning"/> and its refusal to
/// <see cref="GenerationRecording{TRequest}.AppendRefusal"/>, and the last chunk's id, model, finish reason and usage to
/// <see cref="GenerationRecording{TRequest}.CompleteStream"/>. Fields it does not model are kept and written back.
/// </summary>
public sealed class ChatCompletionChunk
{
    /// <summary>The completion's id, the same in every chunk.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>Always <c>chat.completion.chunk</c>.</summary>
    [JsonPropertyName("object")]
    public string Object { get; set; } = "chat.completion.chunk";

    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("created")]
    public long Created { get; set; }

    /// <summary>The model that answers.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    /// <summary>What each choice adds.</summary>
    [JsonPropertyName("choices")]
    public List<ChatChunkChoice> Choices { get; set; } = [];

    /// <summary>Token usage (and, from some routers, cost), in the last chunk.</summary>
    [JsonPropertyName("usage")]
    public ChatUsage? Usage { get; set; }

    /// <summary>The fields this chunk does not model (<c>system_fingerprint</c>, a router's <c>provider</c>, …), kept
    /// as they came so that a relayed stream loses nothing.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>What one choice adds in a <see cref="ChatCompletionChunk"/>.</summary>
public sealed class ChatChunkChoice
{
    /// <summary>The choice's index.</summary>
    [JsonPropertyName("index")]
    public int Index { get; set; }

    /// <summary>The text (and role, in the first chunk) added.</summary>
    [JsonPropertyName("delta")]
    public ChatChunkDelta Delta { get; set; } = new();

    /// <summary>Set in the choice's last chunk: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, …. Written back only
    /// when set or when it came, as it came (OpenAI streams <c>"finish_reason":null</c> in the chunks before).</summary>
    [JsonIgnore]
    public string? FinishReason
    {
        get => NullKeepingStringConverter.ValueOf(FinishReasonJson);
        set => FinishReasonJson = value;
    }

    /// <summary><see cref="FinishReason"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("finish_reason"), JsonInclude, JsonConverter(typeof(NullKeepingFinishReasonConverter))]
    internal string? FinishReasonJson { get; set; }

    /// <summary>The fields this choice does not model (<c>logprobs</c>, …), kept as they came.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>The part of a message one chunk adds: text, reasoning, a refusal.</summary>
public sealed class ChatChunkDelta
{
    /// <summary>The role, in the first chunk only.</summary>
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    /// <summary>The text added. Written back only when set or when it came, as it came (a chunk that adds a tool call
    /// comes with <c>"content":null</c>).</summary>
    [JsonIgnore]
    public string? Content
    {
        get => NullKeepingStringConverter.ValueOf(ContentJson);
        set => ContentJson = value;
    }

    /// <summary><see cref="Content"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("content"), JsonInclude, JsonConverter(typeof(NullKeepingDeltaContentConverter))]
    internal string? ContentJson { get; set; }

    /// <summary>The reasoning added, as OpenRouter and others stream it (<c>reasoning</c>). Written back only when set
    /// or when it came, as it came (a <c>null</c> too).</summary>
    [JsonIgnore]
    public string? Reasoning
    {
        get => NullKeepingStringConverter.ValueOf(ReasoningJson);
        set => ReasoningJson = value;
    }

    /// <summary>The reasoning added, as DeepSeek, vLLM and others stream it (<c>reasoning_content</c>). Written back
    /// only when set or when it came, as it came (a <c>null</c> too).</summary>
    [JsonIgnore]
    public string? ReasoningContent
    {
        get => NullKeepingStringConverter.ValueOf(ReasoningContentJson);
        set => ReasoningContentJson = value;
    }

    /// <summary>The refusal text added (OpenAI's <c>refusal</c>). Written back only when set or when it came, as it
    /// came (OpenAI streams <c>"refusal":null</c>).</summary>
    [JsonIgnore]
    public string? Refusal
    {
        get => NullKeepingStringConverter.ValueOf(RefusalJson);
        set => RefusalJson = value;
    }

    /// <summary>The reasoning this delta adds: <see cref="Reasoning"/>, or <see cref="ReasoningContent"/> when that
    /// is empty (as a message's <c>reasoning</c> part is chosen), for
    /// <see cref="GenerationRecording{TRequest}.AppendReasoning"/>.</summary>
    [JsonIgnore]
    public string? ReasoningText => ChatMessage.ReasoningOf(Reasoning, ReasoningContent);

    /// <summary><see cref="Reasoning"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("reasoning"), JsonInclude, JsonConverter(typeof(NullKeepingStringConverter))]
    internal string? ReasoningJson { get; set; }

    /// <summary><see cref="ReasoningContent"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("reasoning_content"), JsonInclude, JsonConverter(typeof(NullKeepingStringConverter))]
    internal string? ReasoningContentJson { get; set; }

    /// <summary><see cref="Refusal"/> as it came in JSON (absent, <c>null</c> or text).</summary>
    [JsonPropertyName("refusal"), JsonInclude, JsonConverter(typeof(NullKeepingStringConverter))]
    internal string? RefusalJson { get; set; }

    /// <summary>The fields this delta does not model (<c>tool_calls</c> fragments, <c>reasoning_details</c>, …), kept
    /// as they came.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast.OpenAi;

/// <summary>
/// One chunk of a streamed chat completion (<c>chat.completion.chunk</c>), the <c>data:</c> of each server-sent event
/// an OpenAI-compatible API streams. Not a span source itself: a gateway relaying a stream passes each delta's text to
/// <see cref="GenerationRecording{TRequest}.AppendOutput"/> and the last chunk's id, model, finish reason and usage to
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

    /// <summary>Set in the choice's last chunk: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, ….</summary>
    [JsonPropertyName("finish_reason")]
    public string? FinishReason { get; set; }

    /// <summary>The fields this choice does not model (<c>logprobs</c>, …), kept as they came.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>The part of a message one chunk adds.</summary>
public sealed class ChatChunkDelta
{
    /// <summary>The role, in the first chunk only.</summary>
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    /// <summary>The text added.</summary>
    [JsonPropertyName("content")]
    public string? Content { get; set; }

    /// <summary>The fields this delta does not model (<c>tool_calls</c> fragments, <c>refusal</c>, …), kept as they
    /// came.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

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

    /// <summary>Stop sequences.</summary>
    [JsonPropertyName("stop")]
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
}

/// <summary>One chat message (content: only ever written inside a sensitive member).</summary>
[OtlpAttributes]
public sealed partial class ChatMessage
{
    /// <summary><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    [JsonPropertyName("role")]
    [OtlpAttribute("role")]
    public string Role { get; set; } = "user";

    /// <summary>The text.</summary>
    [JsonPropertyName("content")]
    [OtlpAttribute("content")]
    public string? Content { get; set; }

    /// <summary>An optional participant name.</summary>
    [JsonPropertyName("name")]
    [OtlpAttribute("name")]
    public string? Name { get; set; }

    /// <summary>For <c>tool</c> messages: the call answered.</summary>
    [JsonPropertyName("tool_call_id")]
    [OtlpAttribute("tool_call_id")]
    public string? ToolCallId { get; set; }
}

using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.AI;

/// <summary>
/// What a Microsoft.Extensions.AI call asks for, as span attributes: <see cref="Microsoft.Extensions.AI.ChatOptions"/>'s
/// parameters under the GenAI conventions' keys (floats keep their shortest text, <c>0.7f</c> is sent as <c>0.7</c>),
/// the messages and tool definitions as content.
/// </summary>
[OtlpAttributes]
internal sealed partial class ChatClientRequest
{
    [OtlpAttribute(GenAiAttributes.RequestModel)]
    public string? Model { get; set; }

    /// <summary><c>ChatOptions.Instructions</c>, given apart from the messages: the conventions'
    /// <c>gen_ai.system_instructions</c>, a list of parts.</summary>
    [OtlpAttribute(GenAiAttributes.SystemInstructions), OtlpSensitive]
    public List<ChatMessagePart>? SystemInstructions { get; set; }

    [OtlpAttribute(GenAiAttributes.InputMessages), OtlpSensitive]
    public List<ChatMessage> Messages { get; set; } = [];

    [OtlpAttribute(GenAiAttributes.ToolDefinitions), OtlpSensitive]
    public List<ChatToolDefinition>? Tools { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestTemperature)]
    public float? Temperature { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestTopP)]
    public float? TopP { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestTopK)]
    public int? TopK { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestMaxTokens)]
    public int? MaxTokens { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestFrequencyPenalty)]
    public float? FrequencyPenalty { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestPresencePenalty)]
    public float? PresencePenalty { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestStopSequences)]
    public List<string>? StopSequences { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestSeed)]
    public long? Seed { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestStream)]
    public bool Stream { get; set; }

    /// <summary><c>text</c> or <c>json</c>, from <c>ChatOptions.ResponseFormat</c>.</summary>
    [OtlpAttribute(GenAiAttributes.OutputType)]
    public string? OutputType { get; set; }

    [OtlpAttribute(GenAiAttributes.ConversationId)]
    public string? ConversationId { get; set; }
}

/// <summary>What the call answered, as span attributes; the output messages are content.</summary>
[OtlpAttributes]
internal sealed partial class ChatClientResponse
{
    [OtlpAttribute(GenAiAttributes.ResponseId)]
    public string? Id { get; set; }

    [OtlpAttribute(GenAiAttributes.ResponseModel)]
    public string? Model { get; set; }

    [OtlpAttribute(GenAiAttributes.ResponseFinishReasons)]
    public List<string> FinishReasons { get; set; } = [];

    [OtlpFlatten("gen_ai.usage")]
    public ChatClientUsage? Usage { get; set; }

    /// <summary>Left unset when the request has a conversation id: the key goes on the same span only once.</summary>
    [OtlpAttribute(GenAiAttributes.ConversationId)]
    public string? ConversationId { get; set; }

    /// <summary>The output messages, each with the response's finish reason.</summary>
    [OtlpAttribute(GenAiAttributes.OutputMessages), OtlpSensitive]
    public List<ChatChoice> Output { get; set; } = [];
}

/// <summary>A tool offered to the model (<c>gen_ai.tool.definitions</c>): its name and description.</summary>
[OtlpAttributes]
internal sealed partial class ChatToolDefinition
{
    [OtlpAttribute("type")]
    public string Type { get; set; } = "function";

    [OtlpAttribute("name")]
    public string? Name { get; set; }

    [OtlpAttribute("description")]
    public string? Description { get; set; }
}

/// <summary>
/// What <see cref="Microsoft.Extensions.AI.UsageDetails"/> reported, under the <c>gen_ai.usage</c> keys: each count only
/// when the provider gave it. The OpenAI DTO's counts are never unset, and an unreported count written as 0 says the
/// call used none, which backends add into their totals and costs.
/// </summary>
[OtlpAttributes]
internal sealed partial class ChatClientUsage
{
    [OtlpAttribute("input_tokens")]
    public long? InputTokens { get; set; }

    [OtlpAttribute("output_tokens")]
    public long? OutputTokens { get; set; }

    /// <summary>The reported total, else the sum of input and output when both are known.</summary>
    [OtlpAttribute("total_tokens")]
    public long? TotalTokens { get; set; }

    [OtlpAttribute("cache_read.input_tokens")]
    public long? CachedInputTokens { get; set; }

    [OtlpAttribute("reasoning.output_tokens")]
    public long? ReasoningTokens { get; set; }
}

namespace OtlpBroadcast.OpenAi;

/// <summary>What a streamed chat completion amounts to once its chunks are collected.</summary>
[OtlpAttributes]
public sealed partial class StreamedCompletion
{
    /// <summary>The response id from the chunks.</summary>
    [OtlpAttribute(GenAiAttributes.ResponseId)]
    public string? Id { get; set; }

    /// <summary>The model that answered.</summary>
    [OtlpAttribute(GenAiAttributes.ResponseModel)]
    public string? Model { get; set; }

    /// <summary>The finish reason of the final chunk.</summary>
    [OtlpAttribute(GenAiAttributes.ResponseFinishReasons)]
    public List<string> FinishReasons { get; set; } = [];

    /// <summary>Usage from the final chunk.</summary>
    [OtlpFlatten("gen_ai.usage")]
    public ChatUsage? Usage { get; set; }

    /// <summary>The accumulated text, reasoning and refusal, as the assistant's message with its finish reason (parts:
    /// reasoning, text, refusal as text): content.</summary>
    [OtlpAttribute(GenAiAttributes.OutputMessages), OtlpSensitive]
    public List<ChatChoice> Output { get; set; } = [];
}

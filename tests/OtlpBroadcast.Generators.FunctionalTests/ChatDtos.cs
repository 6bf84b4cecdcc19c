using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast.Generators.FunctionalTests;

public enum ChatRole
{
    [JsonStringEnumMemberName("system")]
    System,

    [JsonStringEnumMemberName("user")]
    User,

    [JsonStringEnumMemberName("assistant")]
    Assistant,

    [JsonStringEnumMemberName("tool")]
    Tool,
}

public enum FinishReason
{
    [JsonStringEnumMemberName("stop")]
    Stop,

    [JsonStringEnumMemberName("length")]
    Length,

    [JsonStringEnumMemberName("tool_calls")]
    ToolCalls,
}

/// <summary>A chat message: content, so it is only ever written inside a sensitive member.</summary>
[OtlpAttributes]
public sealed partial class ChatMessage
{
    public ChatRole Role { get; set; }

    public string? Content { get; set; }

    public string? Name { get; set; }
}

/// <summary>The OpenRouter-style <c>trace</c> field: well-known ids plus free metadata.</summary>
[OtlpAttributes]
public sealed partial class TraceField
{
    [OtlpAttribute("id")]
    public string? TraceId { get; set; }

    [OtlpAttribute("name")]
    public string? TraceName { get; set; }

    [OtlpFlatten("metadata")]
    public Dictionary<string, string>? Metadata { get; set; }
}

[OtlpAttributes]
public sealed partial class ChatRequest
{
    [OtlpAttribute(GenAiAttributes.RequestModel)]
    public string Model { get; set; } = "";

    [OtlpAttribute(GenAiAttributes.RequestTemperature)]
    public double? Temperature { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestTopP)]
    public float? TopP { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestMaxTokens)]
    public int? MaxTokens { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestSeed)]
    public long? Seed { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestStream)]
    public bool Stream { get; set; }

    [OtlpAttribute(GenAiAttributes.RequestStopSequences)]
    public List<string>? Stop { get; set; }

    [OtlpAttribute(GenAiAttributes.UserId)]
    public string? User { get; set; }

    [OtlpAttribute(GenAiAttributes.SessionId)]
    public string? SessionId { get; set; }

    [OtlpAttribute(GenAiAttributes.InputMessages)]
    [OtlpSensitive]
    public List<ChatMessage>? Messages { get; set; }

    [OtlpFlatten("trace")]
    public TraceField? Trace { get; set; }

    [OtlpIgnore]
    public object? ResponseFormat { get; set; }
}

[OtlpAttributes]
public partial struct Usage
{
    [OtlpAttribute("input_tokens")]
    public int PromptTokens { get; set; }

    [OtlpAttribute("output_tokens")]
    public int CompletionTokens { get; set; }

    [OtlpAttribute("total_tokens")]
    public int TotalTokens { get; set; }

    [OtlpAttribute("cost")]
    public decimal? Cost { get; set; }
}

[OtlpAttributes]
public sealed partial record ChatChoice
{
    [OtlpIgnore]
    public int Index { get; init; }

    [OtlpAttribute(GenAiAttributes.OutputMessages)]
    [OtlpSensitive]
    public ChatMessage? Message { get; init; }
}

[OtlpAttributes]
public partial record ChatResponse
{
    [OtlpAttribute(GenAiAttributes.ResponseId)]
    public string? Id { get; init; }

    [OtlpAttribute(GenAiAttributes.ResponseModel)]
    public string? Model { get; init; }

    [OtlpAttribute(GenAiAttributes.ResponseFinishReasons)]
    public FinishReason[]? FinishReasons { get; init; }

    [OtlpFlatten("gen_ai.usage")]
    public Usage? Usage { get; init; }

    [OtlpAttribute(GenAiAttributes.Completion)]
    [OtlpSensitive]
    public string? Completion { get; init; }

    [OtlpIgnore]
    public IReadOnlyList<ChatChoice>? Choices { get; init; }
}

/// <summary>Every supported scalar, collection and dictionary shape, with derived keys under a prefix.</summary>
[OtlpAttributes(KeyPrefix = "app.sample")]
public partial class EverySupportedType
{
    public string? Text { get; set; }
    public bool Flag { get; set; }
    public sbyte SByteValue { get; set; }
    public byte ByteValue { get; set; }
    public short ShortValue { get; set; }
    public ushort UShortValue { get; set; }
    public int IntValue { get; set; }
    public uint UIntValue { get; set; }
    public long LongValue { get; set; }
    public ulong ULongValue { get; set; }
    public float FloatValue { get; set; }
    public double DoubleValue { get; set; }
    public decimal DecimalValue { get; set; }
    public ChatRole Role { get; set; }
    public Guid Id { get; set; }
    public DateTime At { get; set; }
    public DateTimeOffset AtOffset { get; set; }
    public TimeSpan Elapsed { get; set; }
    public int? MissingInt { get; set; }
    public FinishReason? MissingReason { get; set; }
    public JsonElement Json { get; set; }
    public byte[]? Payload { get; set; }
    public int[]? Numbers { get; set; }
    public IEnumerable<double?>? Ratios { get; set; }
    public IReadOnlyDictionary<string, long>? Counts { get; set; }
    public IDictionary<string, JsonElement>? Extra { get; set; }
    public Usage Usage { get; set; }
}

/// <summary>A derived annotated type: writes the base members, then its own.</summary>
[OtlpAttributes(KeyPrefix = "gateway")]
public sealed partial record StreamedChatResponse : ChatResponse
{
    public int ChunkCount { get; init; }
}

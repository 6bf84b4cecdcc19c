using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast.OpenAi;

/// <summary>An OpenAI-compatible chat completion response, annotated for the generator.</summary>
[OtlpAttributes]
public sealed partial class ChatCompletionResponse
{
    /// <summary>An empty response.</summary>
    public ChatCompletionResponse()
    {
        // Made with the response, not on first use: recording a new response then allocates nothing.
        FinishReasons = new(this, static choice => choice.FinishReason ?? "");
        OutputMessages = new(this, static choice => choice);
    }

    /// <summary>The provider's response id.</summary>
    [JsonPropertyName("id")]
    [OtlpAttribute(GenAiAttributes.ResponseId)]
    public string? Id { get; set; }

    /// <summary>The model that answered (may differ from the requested one).</summary>
    [JsonPropertyName("model")]
    [OtlpAttribute(GenAiAttributes.ResponseModel)]
    public string? Model { get; set; }

    /// <summary>Always <c>chat.completion</c>.</summary>
    [JsonPropertyName("object")]
    [OtlpIgnore]
    public string Object { get; set; } = "chat.completion";

    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("created")]
    [OtlpIgnore]
    public long Created { get; set; }

    /// <summary>The choices (their messages are content).</summary>
    [JsonPropertyName("choices")]
    [OtlpIgnore]
    public List<ChatChoice> Choices { get; set; } = [];

    /// <summary>Token usage (and, from some routers, cost).</summary>
    [JsonPropertyName("usage")]
    [OtlpFlatten("gen_ai.usage")]
    public ChatUsage? Usage { get; set; }

    /// <summary>The finish reason of every choice (<c>""</c> when a choice has none).</summary>
    [JsonIgnore]
    [OtlpAttribute(GenAiAttributes.ResponseFinishReasons)]
    public ChatChoiceView<string> FinishReasons { get; }

    /// <summary>The message of every choice with its finish reason, the GenAI conventions' output messages:
    /// content.</summary>
    [JsonIgnore]
    [OtlpAttribute(GenAiAttributes.OutputMessages), OtlpSensitive]
    public ChatChoiceView<ChatChoice> OutputMessages { get; }

    /// <summary>The fields this response does not model (<c>system_fingerprint</c>, <c>service_tier</c>, …), kept as
    /// they came so that a gateway relaying the response loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    [OtlpIgnore]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>
/// One value of every choice of a response (its finish reason, its message), read from
/// <see cref="ChatCompletionResponse.Choices"/> when enumerated. Its enumerator is a struct, so the generated writer
/// enumerates it without allocating (LINQ's <c>Select</c> allocated an iterator per encoding).
/// </summary>
/// <typeparam name="T">The value taken from each choice.</typeparam>
public sealed class ChatChoiceView<T> : IReadOnlyList<T>
{
    private static readonly List<ChatChoice> NoChoices = [];
    private readonly ChatCompletionResponse _response;
    private readonly Func<ChatChoice, T> _select;

    internal ChatChoiceView(ChatCompletionResponse response, Func<ChatChoice, T> select)
    {
        _response = response;
        _select = select;
    }

    /// <inheritdoc/>
    public int Count => Choices.Count;

    private List<ChatChoice> Choices => _response.Choices ?? NoChoices;

    /// <inheritdoc/>
    public T this[int index] => _select(Choices[index]);

    /// <summary>Enumerates the values without allocating.</summary>
    public Enumerator GetEnumerator() => new(Choices.GetEnumerator(), _select);

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The enumerator of a <see cref="ChatChoiceView{T}"/>.</summary>
    public struct Enumerator : IEnumerator<T>
    {
        private List<ChatChoice>.Enumerator _choices;
        private readonly Func<ChatChoice, T> _select;

        internal Enumerator(List<ChatChoice>.Enumerator choices, Func<ChatChoice, T> select)
        {
            _choices = choices;
            _select = select;
        }

        /// <inheritdoc/>
        public T Current => _select(_choices.Current);

        object? System.Collections.IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => _choices.MoveNext();

        /// <inheritdoc/>
        public void Reset() => throw new NotSupportedException();

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}

/// <summary>
/// One choice of a response. As content (an output message of the GenAI conventions) it is written
/// <c>{"role":…,"parts":[…],"name":…,"finish_reason":…}</c>: its message's role, parts and name, and its finish reason.
/// </summary>
[OtlpAttributes]
public sealed partial class ChatChoice : ITextOnlyMessage
{
    /// <summary>Its index.</summary>
    [JsonPropertyName("index")]
    [OtlpIgnore]
    public int Index { get; set; }

    /// <summary>The assistant's message.</summary>
    [JsonPropertyName("message")]
    [OtlpIgnore]
    public ChatMessage Message { get; set; } = new() { Role = "assistant" };

    /// <summary>The message's role.</summary>
    [JsonIgnore]
    [OtlpAttribute("role")]
    public string Role => Message?.Role ?? "assistant";

    /// <summary>The message's parts.</summary>
    [JsonIgnore]
    [OtlpAttribute("parts"), OtlpSensitive]
    public ChatMessageParts? Parts => Message?.Parts;

    /// <summary>The message's participant name.</summary>
    [JsonIgnore]
    [OtlpAttribute("name")]
    public string? Name => Message?.Name;

    /// <summary><c>stop</c>, <c>length</c>, <c>tool_calls</c>, … (declared last: attributes are written in
    /// declaration order, and the conventions' output message ends with it).</summary>
    [JsonPropertyName("finish_reason")]
    [OtlpAttribute("finish_reason")]
    public string? FinishReason { get; set; }

    /// <summary>The fields this choice does not model (<c>logprobs</c>, …), kept as they came so that a relayed
    /// response loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    [OtlpIgnore]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

    /// <summary>A choice whose message is text only (see <see cref="ChatMessage"/>), with its finish reason.</summary>
    bool ITextOnlyMessage.TryGetTextOnly(out string role, out string text, out string? finishReason)
    {
        finishReason = FinishReason;
        if (Message is ITextOnlyMessage message && message.TryGetTextOnly(out role, out text, out _))
        {
            return true;
        }

        role = text = string.Empty;
        return false;
    }
}

/// <summary>Token usage, mapped to the GenAI conventions' <c>gen_ai.usage.*</c> keys.</summary>
[OtlpAttributes]
public sealed partial class ChatUsage
{
    /// <summary>Input tokens.</summary>
    [JsonPropertyName("prompt_tokens")]
    [OtlpAttribute("input_tokens")]
    public long PromptTokens { get; set; }

    /// <summary>Output tokens.</summary>
    [JsonPropertyName("completion_tokens")]
    [OtlpAttribute("output_tokens")]
    public long CompletionTokens { get; set; }

    /// <summary>All tokens.</summary>
    [JsonPropertyName("total_tokens")]
    [OtlpAttribute("total_tokens")]
    public long TotalTokens { get; set; }

    /// <summary>Cost in USD as some routers report it; the broadcaster writes cost attributes from it when no
    /// explicit cost is given.</summary>
    [JsonPropertyName("cost")]
    [OtlpIgnore]
    public double? Cost { get; set; }

    /// <summary>Details of the input tokens.</summary>
    [JsonPropertyName("prompt_tokens_details")]
    [OtlpFlatten("cache_read")]
    public PromptTokensDetails? PromptTokensDetails { get; set; }

    /// <summary>Details of the output tokens.</summary>
    [JsonPropertyName("completion_tokens_details")]
    [OtlpFlatten("reasoning")]
    public CompletionTokensDetails? CompletionTokensDetails { get; set; }

    /// <summary>The fields this usage does not model, kept as they came so that a relayed response loses nothing; never
    /// span attributes.</summary>
    [JsonExtensionData]
    [OtlpIgnore]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>Cached input tokens: <c>gen_ai.usage.cache_read.input_tokens</c>.</summary>
[OtlpAttributes]
public sealed partial class PromptTokensDetails
{
    /// <summary>Input tokens read from the provider's cache.</summary>
    [JsonPropertyName("cached_tokens")]
    [OtlpAttribute("input_tokens")]
    public long? CachedTokens { get; set; }

    /// <summary>The fields these details do not model (<c>audio_tokens</c>, …), kept as they came so that a relayed
    /// response loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    [OtlpIgnore]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>Reasoning tokens: <c>gen_ai.usage.reasoning.output_tokens</c>.</summary>
[OtlpAttributes]
public sealed partial class CompletionTokensDetails
{
    /// <summary>Output tokens spent on reasoning.</summary>
    [JsonPropertyName("reasoning_tokens")]
    [OtlpAttribute("output_tokens")]
    public long? ReasoningTokens { get; set; }

    /// <summary>The fields these details do not model (<c>accepted_prediction_tokens</c>, …), kept as they came so that
    /// a relayed response loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    [OtlpIgnore]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>Source-generated (reflection-free) JSON for the OpenAI-compatible DTOs.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
public sealed partial class OpenAiJsonContext : JsonSerializerContext
{
}

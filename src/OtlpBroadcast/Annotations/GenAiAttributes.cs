namespace OtlpBroadcast;

/// <summary>
/// Attribute keys of the OpenTelemetry GenAI semantic conventions and of the LLM-router broadcast format, as
/// constants usable in attribute arguments: <c>[OtlpAttribute(GenAiAttributes.RequestModel)]</c>.
/// </summary>
/// <remarks>All <c>gen_ai.*</c> keys are still "development" in the conventions; the cost keys are not standard
/// but are what observability backends read.</remarks>
public static class GenAiAttributes
{
    /// <summary><c>gen_ai.operation.name</c>: <c>chat</c>, <c>text_completion</c>, <c>embeddings</c>, …</summary>
    public const string OperationName = "gen_ai.operation.name";

    /// <summary><c>gen_ai.provider.name</c>: <c>openai</c>, <c>anthropic</c>, <c>aws.bedrock</c>, …</summary>
    public const string ProviderName = "gen_ai.provider.name";

    /// <summary><c>gen_ai.system</c>: the deprecated predecessor of <see cref="ProviderName"/>, still read by some backends.</summary>
    public const string System = "gen_ai.system";

    /// <summary><c>gen_ai.request.model</c>.</summary>
    public const string RequestModel = "gen_ai.request.model";

    /// <summary><c>gen_ai.request.temperature</c>.</summary>
    public const string RequestTemperature = "gen_ai.request.temperature";

    /// <summary><c>gen_ai.request.top_p</c>.</summary>
    public const string RequestTopP = "gen_ai.request.top_p";

    /// <summary><c>gen_ai.request.top_k</c>.</summary>
    public const string RequestTopK = "gen_ai.request.top_k";

    /// <summary><c>gen_ai.request.max_tokens</c>.</summary>
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";

    /// <summary><c>gen_ai.request.frequency_penalty</c>.</summary>
    public const string RequestFrequencyPenalty = "gen_ai.request.frequency_penalty";

    /// <summary><c>gen_ai.request.presence_penalty</c>.</summary>
    public const string RequestPresencePenalty = "gen_ai.request.presence_penalty";

    /// <summary><c>gen_ai.request.stop_sequences</c> (a string array).</summary>
    public const string RequestStopSequences = "gen_ai.request.stop_sequences";

    /// <summary><c>gen_ai.request.seed</c>.</summary>
    public const string RequestSeed = "gen_ai.request.seed";

    /// <summary><c>gen_ai.request.stream</c>.</summary>
    public const string RequestStream = "gen_ai.request.stream";

    /// <summary><c>gen_ai.output.type</c>: <c>text</c>, <c>json</c>, <c>image</c>, <c>speech</c>.</summary>
    public const string OutputType = "gen_ai.output.type";

    /// <summary><c>gen_ai.response.id</c>.</summary>
    public const string ResponseId = "gen_ai.response.id";

    /// <summary><c>gen_ai.response.model</c>.</summary>
    public const string ResponseModel = "gen_ai.response.model";

    /// <summary><c>gen_ai.response.finish_reasons</c> (a string array).</summary>
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";

    /// <summary><c>gen_ai.usage.input_tokens</c>.</summary>
    public const string UsageInputTokens = "gen_ai.usage.input_tokens";

    /// <summary><c>gen_ai.usage.output_tokens</c>.</summary>
    public const string UsageOutputTokens = "gen_ai.usage.output_tokens";

    /// <summary><c>gen_ai.usage.total_tokens</c> (sent by the router; not in the conventions).</summary>
    public const string UsageTotalTokens = "gen_ai.usage.total_tokens";

    /// <summary><c>gen_ai.usage.cache_read.input_tokens</c>.</summary>
    public const string UsageCacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";

    /// <summary><c>gen_ai.usage.cache_creation.input_tokens</c>.</summary>
    public const string UsageCacheCreationInputTokens = "gen_ai.usage.cache_creation.input_tokens";

    /// <summary><c>gen_ai.usage.reasoning.output_tokens</c>.</summary>
    public const string UsageReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens";

    /// <summary><c>gen_ai.usage.input_cost</c> in USD (router format; no standard cost key exists).</summary>
    public const string UsageInputCost = "gen_ai.usage.input_cost";

    /// <summary><c>gen_ai.usage.output_cost</c> in USD.</summary>
    public const string UsageOutputCost = "gen_ai.usage.output_cost";

    /// <summary><c>gen_ai.usage.total_cost</c> in USD.</summary>
    public const string UsageTotalCost = "gen_ai.usage.total_cost";

    /// <summary><c>gen_ai.usage.cost</c> in USD: the key one widely used backend reads cost from.</summary>
    public const string UsageCost = "gen_ai.usage.cost";

    /// <summary><c>gen_ai.conversation.id</c>.</summary>
    public const string ConversationId = "gen_ai.conversation.id";

    /// <summary><c>gen_ai.input.messages</c>: sensitive content, a JSON string.</summary>
    public const string InputMessages = "gen_ai.input.messages";

    /// <summary><c>gen_ai.output.messages</c>: sensitive content, a JSON string.</summary>
    public const string OutputMessages = "gen_ai.output.messages";

    /// <summary><c>gen_ai.system_instructions</c>: sensitive content.</summary>
    public const string SystemInstructions = "gen_ai.system_instructions";

    /// <summary><c>gen_ai.tool.definitions</c>: sensitive content, a JSON string.</summary>
    public const string ToolDefinitions = "gen_ai.tool.definitions";

    /// <summary><c>gen_ai.prompt</c>: the router's content key for the prompt (sensitive).</summary>
    public const string Prompt = "gen_ai.prompt";

    /// <summary><c>gen_ai.completion</c>: the router's content key for the completion (sensitive).</summary>
    public const string Completion = "gen_ai.completion";

    /// <summary><c>user.id</c>.</summary>
    public const string UserId = "user.id";

    /// <summary><c>session.id</c>.</summary>
    public const string SessionId = "session.id";

    /// <summary><c>server.address</c>.</summary>
    public const string ServerAddress = "server.address";

    /// <summary><c>server.port</c>.</summary>
    public const string ServerPort = "server.port";

    /// <summary><c>error.type</c>.</summary>
    public const string ErrorType = "error.type";

    /// <summary><c>trace.name</c>.</summary>
    public const string TraceName = "trace.name";

    /// <summary><c>trace.metadata</c>: the prefix for <c>[OtlpFlatten(GenAiAttributes.TraceMetadataPrefix)]</c>,
    /// which writes each custom key as <c>trace.metadata.&lt;key&gt;</c>.</summary>
    public const string TraceMetadataPrefix = "trace.metadata";
}

namespace OtlpBroadcast;

/// <summary>
/// The keys the broadcaster itself writes on a span tree, each with the OTLP/JSON opening of its value kind
/// precomposed (see <see cref="PrecomposedKey"/>), as the generator emits them for annotated DTOs.
/// </summary>
internal static class SpanKeys
{
    // Strings.
    public static PrecomposedKey SpanType => new("span.type"u8, "{\"key\":\"span.type\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey SpanLevel => new("span.level"u8, "{\"key\":\"span.level\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey OperationName => new("gen_ai.operation.name"u8, "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey ProviderName => new("gen_ai.provider.name"u8, "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey GenAiSystem => new("gen_ai.system"u8, "{\"key\":\"gen_ai.system\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey ServerAddress => new("server.address"u8, "{\"key\":\"server.address\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey ErrorType => new("error.type"u8, "{\"key\":\"error.type\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey UserId => new("user.id"u8, "{\"key\":\"user.id\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey SessionId => new("session.id"u8, "{\"key\":\"session.id\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey TraceName => new("trace.name"u8, "{\"key\":\"trace.name\",\"value\":{\"stringValue\":\""u8);

    public static PrecomposedKey TraceTraceId => new("trace.trace_id"u8, "{\"key\":\"trace.trace_id\",\"value\":{\"stringValue\":\""u8);

    // Integers.
    public static PrecomposedKey ServerPort => new("server.port"u8, "{\"key\":\"server.port\",\"value\":{\"intValue\":\""u8);

    public static PrecomposedKey AttemptNumber => new("gen_ai.attempt.number"u8, "{\"key\":\"gen_ai.attempt.number\",\"value\":{\"intValue\":\""u8);

    public static PrecomposedKey StatusCode => new("http.response.status_code"u8, "{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\""u8);

    // Doubles.
    public static PrecomposedKey TimeToFirstToken => new("gen_ai.response.time_to_first_token"u8, "{\"key\":\"gen_ai.response.time_to_first_token\",\"value\":{\"doubleValue\":"u8);

    public static PrecomposedKey InputCost => new("gen_ai.usage.input_cost"u8, "{\"key\":\"gen_ai.usage.input_cost\",\"value\":{\"doubleValue\":"u8);

    public static PrecomposedKey OutputCost => new("gen_ai.usage.output_cost"u8, "{\"key\":\"gen_ai.usage.output_cost\",\"value\":{\"doubleValue\":"u8);

    public static PrecomposedKey TotalCost => new("gen_ai.usage.total_cost"u8, "{\"key\":\"gen_ai.usage.total_cost\",\"value\":{\"doubleValue\":"u8);

    public static PrecomposedKey Cost => new("gen_ai.usage.cost"u8, "{\"key\":\"gen_ai.usage.cost\",\"value\":{\"doubleValue\":"u8);
}

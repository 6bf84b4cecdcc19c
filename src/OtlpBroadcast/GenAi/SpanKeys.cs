using System.Runtime.CompilerServices;

namespace OtlpBroadcast;

/// <summary>
/// The keys the broadcaster itself writes on a span tree, each with the OTLP/JSON opening of its value kind
/// precomposed (see <see cref="PrecomposedKey"/>), as the generator emits them for annotated DTOs.
/// </summary>
/// <remarks>Inlined, so that each opening is a constant the JIT copies with a few vector moves.</remarks>
internal static class SpanKeys
{
    // Strings.
    public static PrecomposedKey SpanType
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("span.type"u8, "{\"key\":\"span.type\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey SpanLevel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("span.level"u8, "{\"key\":\"span.level\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey OperationName
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.operation.name"u8, "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey ProviderName
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.provider.name"u8, "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey GenAiSystem
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.system"u8, "{\"key\":\"gen_ai.system\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey ServerAddress
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("server.address"u8, "{\"key\":\"server.address\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey ErrorType
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("error.type"u8, "{\"key\":\"error.type\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey UserId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("user.id"u8, "{\"key\":\"user.id\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey SessionId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("session.id"u8, "{\"key\":\"session.id\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey TraceName
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("trace.name"u8, "{\"key\":\"trace.name\",\"value\":{\"stringValue\":\""u8);
    }

    public static PrecomposedKey TraceTraceId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("trace.trace_id"u8, "{\"key\":\"trace.trace_id\",\"value\":{\"stringValue\":\""u8);
    }

    // Integers.
    public static PrecomposedKey ServerPort
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("server.port"u8, "{\"key\":\"server.port\",\"value\":{\"intValue\":\""u8);
    }

    public static PrecomposedKey AttemptNumber
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.attempt.number"u8, "{\"key\":\"gen_ai.attempt.number\",\"value\":{\"intValue\":\""u8);
    }

    public static PrecomposedKey StatusCode
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("http.response.status_code"u8, "{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\""u8);
    }

    // Doubles.
    public static PrecomposedKey TimeToFirstToken
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.response.time_to_first_token"u8, "{\"key\":\"gen_ai.response.time_to_first_token\",\"value\":{\"doubleValue\":"u8);
    }

    public static PrecomposedKey InputCost
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.usage.input_cost"u8, "{\"key\":\"gen_ai.usage.input_cost\",\"value\":{\"doubleValue\":"u8);
    }

    public static PrecomposedKey OutputCost
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.usage.output_cost"u8, "{\"key\":\"gen_ai.usage.output_cost\",\"value\":{\"doubleValue\":"u8);
    }

    public static PrecomposedKey TotalCost
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.usage.total_cost"u8, "{\"key\":\"gen_ai.usage.total_cost\",\"value\":{\"doubleValue\":"u8);
    }

    public static PrecomposedKey Cost
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new("gen_ai.usage.cost"u8, "{\"key\":\"gen_ai.usage.cost\",\"value\":{\"doubleValue\":"u8);
    }
}

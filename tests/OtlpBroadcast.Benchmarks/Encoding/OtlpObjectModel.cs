using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

// An OTLP/JSON object model, as a serialiser-based SDK would declare it.
public sealed class OtlpSpanModel
{
    [JsonPropertyName("traceId")] public required string TraceId { get; init; }
    [JsonPropertyName("spanId")] public required string SpanId { get; init; }
    [JsonPropertyName("parentSpanId")] public string? ParentSpanId { get; init; }
    [JsonPropertyName("flags")] public uint Flags { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("kind")] public int Kind { get; init; }
    [JsonPropertyName("startTimeUnixNano")] public required string StartTimeUnixNano { get; init; }
    [JsonPropertyName("endTimeUnixNano")] public required string EndTimeUnixNano { get; init; }
    [JsonPropertyName("attributes")] public List<OtlpKeyValueModel> Attributes { get; } = [];
    [JsonPropertyName("status")] public OtlpStatusModel Status { get; init; } = new();
}

public sealed class OtlpKeyValueModel
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("value")] public required OtlpAnyValueModel Value { get; init; }
}

public sealed class OtlpAnyValueModel
{
    [JsonPropertyName("stringValue")] public string? StringValue { get; init; }
    [JsonPropertyName("boolValue")] public bool? BoolValue { get; init; }
    [JsonPropertyName("intValue")] public string? IntValue { get; init; }
    [JsonPropertyName("doubleValue")] public double? DoubleValue { get; init; }
    [JsonPropertyName("arrayValue")] public OtlpArrayValueModel? ArrayValue { get; init; }
}

public sealed class OtlpArrayValueModel
{
    [JsonPropertyName("values")] public List<OtlpAnyValueModel> Values { get; } = [];
}

public sealed class OtlpStatusModel
{
    [JsonPropertyName("code")] public int Code { get; init; } = 1;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<OtlpSpanModel>))]
public sealed partial class OtlpModelJsonContext : JsonSerializerContext
{
}

/// <summary>Builds the object model of the span tree from the same DTOs (part of the measured work).</summary>
internal static class OtlpObjectModelBuilder
{
    public static List<OtlpSpanModel> Build(SpanTreeFixture f)
    {
        string start = UnixNanos.From(SpanTreeFixture.Start).ToString(CultureInfo.InvariantCulture);
        string end = UnixNanos.From(SpanTreeFixture.End).ToString(CultureInfo.InvariantCulture);
        string traceId = SpanTreeFixture.TraceId.ToString();

        var root = new OtlpSpanModel
        {
            TraceId = traceId, SpanId = SpanTreeFixture.RootId.ToString(), Flags = 257, Name = SpanTreeFixture.RootName, Kind = 2,
            StartTimeUnixNano = start, EndTimeUnixNano = end,
        };
        root.Attributes.Add(Str("span.type", "trace"));
        root.Attributes.Add(Str("span.level", "DEFAULT"));
        Identity(root.Attributes, f);

        var generation = new OtlpSpanModel
        {
            TraceId = traceId, SpanId = SpanTreeFixture.GenerationId.ToString(), ParentSpanId = SpanTreeFixture.RootId.ToString(), Flags = 257,
            Name = SpanTreeFixture.GenerationName, Kind = 3, StartTimeUnixNano = start, EndTimeUnixNano = end,
        };
        List<OtlpKeyValueModel> a = generation.Attributes;
        ChatCompletionRequest request = f.Request;
        ChatCompletionResponse response = f.Response;
        a.Add(Str("span.type", "generation"));
        a.Add(Str("span.level", "DEFAULT"));
        a.Add(Str("gen_ai.operation.name", "chat"));
        a.Add(Str("gen_ai.provider.name", SpanTreeFixture.Provider));
        a.Add(Str("gen_ai.system", SpanTreeFixture.Provider));
        a.Add(Str("gen_ai.request.model", request.Model));
        if (f.IncludeContent)
        {
            a.Add(Str("gen_ai.input.messages", ContentText.Messages(request.Messages)));
        }

        a.Add(Dbl("gen_ai.request.temperature", request.Temperature!.Value));
        a.Add(Dbl("gen_ai.request.top_p", request.TopP!.Value));
        a.Add(Int("gen_ai.request.max_tokens", request.MaxTokens!.Value));
        a.Add(Int("gen_ai.request.seed", request.Seed!.Value));
        a.Add(new OtlpKeyValueModel { Key = "gen_ai.request.stream", Value = new OtlpAnyValueModel { BoolValue = request.Stream!.Value } });
        a.Add(Str("gen_ai.response.id", response.Id!));
        a.Add(Str("gen_ai.response.model", response.Model!));
        a.Add(Int("gen_ai.usage.input_tokens", response.Usage!.PromptTokens));
        a.Add(Int("gen_ai.usage.output_tokens", response.Usage.CompletionTokens));
        a.Add(Int("gen_ai.usage.total_tokens", response.Usage.TotalTokens));
        var reasons = new OtlpArrayValueModel();
        foreach (ChatChoice choice in response.Choices)
        {
            reasons.Values.Add(new OtlpAnyValueModel { StringValue = choice.FinishReason ?? "" });
        }

        a.Add(new OtlpKeyValueModel { Key = "gen_ai.response.finish_reasons", Value = new OtlpAnyValueModel { ArrayValue = reasons } });
        if (f.IncludeContent)
        {
            a.Add(Str("gen_ai.output.messages", ContentText.OutputMessages(response.Choices)));
        }

        a.Add(Dbl("gen_ai.usage.input_cost", f.Cost.Input!.Value));
        a.Add(Dbl("gen_ai.usage.output_cost", f.Cost.Output!.Value));
        a.Add(Dbl("gen_ai.usage.total_cost", f.Cost.EffectiveTotal!.Value));
        a.Add(Dbl("gen_ai.usage.cost", f.Cost.EffectiveTotal!.Value));
        Identity(a, f);

        var attemptSpan = new OtlpSpanModel
        {
            TraceId = traceId, SpanId = SpanTreeFixture.AttemptId.ToString(), ParentSpanId = SpanTreeFixture.GenerationId.ToString(), Flags = 257,
            Name = SpanTreeFixture.AttemptName, Kind = 3,
            StartTimeUnixNano = UnixNanos.From(f.Attempt.Start).ToString(CultureInfo.InvariantCulture),
            EndTimeUnixNano = UnixNanos.From(f.Attempt.End).ToString(CultureInfo.InvariantCulture),
        };
        attemptSpan.Attributes.Add(Str("span.type", "attempt"));
        attemptSpan.Attributes.Add(Str("span.level", "DEFAULT"));
        attemptSpan.Attributes.Add(Str("gen_ai.provider.name", f.Attempt.Provider));
        attemptSpan.Attributes.Add(Int("gen_ai.attempt.number", 1));
        attemptSpan.Attributes.Add(Int("http.response.status_code", f.Attempt.StatusCode!.Value));
        return [root, generation, attemptSpan];
    }

    private static void Identity(List<OtlpKeyValueModel> a, SpanTreeFixture f)
    {
        a.Add(Str("user.id", f.Request.User!));
        a.Add(Str("session.id", f.Request.SessionId!));
        a.Add(Str("trace.name", f.Trace.TraceName!));
        a.Add(Str("trace.trace_id", f.Trace.TraceId!));
        foreach (KeyValuePair<string, string> entry in f.MetadataInKeyOrder)
        {
            a.Add(Str("trace.metadata." + entry.Key, entry.Value));
        }
    }

    private static OtlpKeyValueModel Str(string key, string value) => new() { Key = key, Value = new OtlpAnyValueModel { StringValue = value } };

    private static OtlpKeyValueModel Int(string key, long value)
        => new() { Key = key, Value = new OtlpAnyValueModel { IntValue = value.ToString(CultureInfo.InvariantCulture) } };

    private static OtlpKeyValueModel Dbl(string key, double value) => new() { Key = key, Value = new OtlpAnyValueModel { DoubleValue = value } };
}

/// <summary>Content as one JSON string, the way the generated writers render it (for contenders that need a string):
/// the GenAI conventions' messages, <c>{"role":…,"parts":[{"type":"text","content":…}]}</c>, output messages with
/// their <c>finish_reason</c>.</summary>
internal static class ContentText
{
    public static string Messages(List<ChatMessage> messages)
        => JsonSerializer.Serialize([.. messages.Select(m => ContentMessage.From(m, finishReason: null))], ContentJsonContext.Default.ListContentMessage);

    public static string OutputMessages(List<ChatChoice> choices)
        => JsonSerializer.Serialize([.. choices.Select(c => ContentMessage.From(c.Message, c.FinishReason))], ContentJsonContext.Default.ListContentMessage);
}

/// <summary>A message in the conventions' shape (text content only, as the fixture's messages are).</summary>
internal sealed class ContentMessage
{
    [JsonPropertyName("role")]
    public string Role { get; init; } = "";

    [JsonPropertyName("parts")]
    public List<ContentPart> Parts { get; init; } = [];

    [JsonPropertyName("finish_reason")]
    public string? FinishReason { get; init; }

    public static ContentMessage From(ChatMessage message, string? finishReason) => new()
    {
        Role = message.Role,
        Parts = message.Content is null ? [] : [new ContentPart { Content = message.Content }],
        FinishReason = finishReason,
    };
}

/// <summary>A text part.</summary>
internal sealed class ContentPart
{
    [JsonPropertyName("type")]
    public string Type { get; init; } = "text";

    [JsonPropertyName("content")]
    public string? Content { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ContentMessage>))]
internal sealed partial class ContentJsonContext : JsonSerializerContext
{
}

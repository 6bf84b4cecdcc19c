namespace OtlpBroadcast.Generators.Tests;

/// <summary>Representative consumer code, shared by the baseline and incremental tests.</summary>
internal static class Sources
{
    /// <summary>Members and an enum value obsolete as an error (CS0619, which no <c>#pragma</c> suppresses).</summary>
    public const string ObsoleteAsError = """
        using System;
        using OtlpBroadcast;
        namespace App;
        public enum Mode : short { Fast, [Obsolete("no", true)] Removed = -3 }
        [OtlpAttributes]
        public partial class Request
        {
            [Obsolete("gone", true)] public string? Gone { get; set; }
            public string? Half { [Obsolete("gone", true)] get; set; }
            public Mode Mode { get; set; }
            public string? Model { get; set; }
        }
        """;

    public const string Chat = """
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using OtlpBroadcast;

        namespace Gateway.Chat;

        public enum FinishReason
        {
            [JsonStringEnumMemberName("stop")] Stop,
            [JsonStringEnumMemberName("length")] Length,
            [JsonStringEnumMemberName("tool_calls")] ToolCalls,
            Halt = Stop,
        }

        [OtlpAttributes]
        public sealed partial class ChatMessage
        {
            public string Role { get; set; } = "user";
            public string? Content { get; set; }
        }

        [OtlpAttributes]
        public sealed partial class TraceField
        {
            [OtlpAttribute("id")] public string? TraceId { get; set; }
            [OtlpAttribute("name")] public string? TraceName { get; set; }
            [OtlpFlatten("metadata")] public Dictionary<string, string>? Metadata { get; set; }
        }

        [OtlpAttributes]
        public sealed partial class ChatRequest
        {
            [OtlpAttribute(GenAiAttributes.RequestModel)] public string Model { get; set; } = "";
            [OtlpAttribute(GenAiAttributes.RequestTemperature)] public double? Temperature { get; set; }
            [OtlpAttribute(GenAiAttributes.RequestMaxTokens)] public int? MaxTokens { get; set; }
            [OtlpAttribute(GenAiAttributes.RequestStopSequences)] public List<string>? Stop { get; set; }
            [OtlpAttribute(GenAiAttributes.UserId)] public string? User { get; set; }
            [OtlpAttribute(GenAiAttributes.InputMessages), OtlpSensitive] public List<ChatMessage>? Messages { get; set; }
            [OtlpFlatten("trace")] public TraceField? Trace { get; set; }
            [OtlpIgnore] public object? ResponseFormat { get; set; }
        }

        [OtlpAttributes]
        public readonly partial record struct Usage(
            [property: OtlpAttribute("input_tokens")] int PromptTokens,
            [property: OtlpAttribute("output_tokens")] int CompletionTokens,
            [property: OtlpAttribute("cost")] decimal? Cost);

        [OtlpAttributes]
        public partial record ChatResponse
        {
            [OtlpAttribute(GenAiAttributes.ResponseId)] public string? Id { get; init; }
            [OtlpAttribute(GenAiAttributes.ResponseFinishReasons)] public FinishReason[]? FinishReasons { get; init; }
            [OtlpFlatten("gen_ai.usage")] public Usage? Usage { get; init; }
            [OtlpAttribute("gen_ai.usage.details")] public Usage Details { get; init; }
            [OtlpAttribute(GenAiAttributes.OutputMessages), OtlpSensitive] public ChatMessage? Message { get; init; }
        }

        [OtlpAttributes(KeyPrefix = "gateway")]
        public sealed partial record StreamedChatResponse : ChatResponse
        {
            public long ChunkCount { get; init; }
        }

        public static partial class Outer
        {
            [OtlpAttributes]
            internal partial struct Nested
            {
                public int @class = 1;
                public Nested() { }
                public IReadOnlyDictionary<string, long?>? Counters { get; set; }
            }
        }
        """;

    public const string Scalars = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using OtlpBroadcast;

        [OtlpAttributes(KeyPrefix = "app")]
        public partial class Scalars
        {
            public string? Text { get; set; }
            public bool Flag { get; set; }
            public sbyte A { get; set; }
            public byte B { get; set; }
            public short C { get; set; }
            public ushort D { get; set; }
            public int E { get; set; }
            public uint F { get; set; }
            public long G { get; set; }
            public ulong H { get; set; }
            public float I { get; set; }
            public double J { get; set; }
            public decimal K { get; set; }
            public DayOfWeek Day { get; set; }
            public Guid Id { get; set; }
            public DateTime At { get; set; }
            public DateTimeOffset AtOffset { get; set; }
            public TimeSpan Elapsed { get; set; }
            public JsonElement Json { get; set; }
            public ulong? MaybeH { get; set; }
            public Guid? MaybeId { get; set; }
            public byte[]? Payload { get; set; }
            public IEnumerable<DateTimeOffset>? Times { get; set; }
            public DayOfWeek[]? Days { get; set; }
            public IList<float?>? Ratios { get; set; }
            [OtlpSensitive] public JsonElement[]? Documents { get; set; }
            [OtlpFlatten("app.extra")] public IDictionary<string, JsonElement>? Extra { get; set; }
            [OtlpFlatten("app.weights")] public Dictionary<string, float>? Weights { get; set; }
        }
        """;
}

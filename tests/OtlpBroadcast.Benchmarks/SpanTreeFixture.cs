using System.Text.Json;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>Which content the span tree carries.</summary>
public enum ContentCase
{
    /// <summary>Privacy mode: prompt and completion are withheld (about 30 attributes on the generation span).</summary>
    Withheld,

    /// <summary>About 1 KB of prompt and 1 KB of completion, written as content.</summary>
    Content2KB,
}

/// <summary>
/// The one LLM call every contender encodes: a root span, a generation span and one provider attempt, with the
/// same ids, times, names and attributes. Built once; nothing in it changes between operations.
/// </summary>
public sealed class SpanTreeFixture
{
    public static readonly TraceId TraceId = TraceId.Parse("4bf92f3577b34da6a3ce929d0e0e4736");
    public static readonly SpanId RootId = SpanId.Parse("00f067aa0ba902b7");
    public static readonly SpanId GenerationId = SpanId.Parse("53995c3f42cd8ad8");
    public static readonly SpanId AttemptId = SpanId.Parse("a2fb4a1d1a96d312");
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset End = Start.AddMilliseconds(842.5);
    public static readonly DateTimeOffset AttemptStart = Start.AddMilliseconds(3.25);
    public static readonly DateTimeOffset AttemptEnd = End.AddMilliseconds(-1.5);

    private SpanTreeFixture(ContentCase content)
    {
        Content = content;
        IncludeContent = content == ContentCase.Content2KB;
        string prompt = IncludeContent ? Text("Summarise the quarterly report for the board. ", 900) : "Hello";
        string answer = IncludeContent ? Text("The quarter closed with revenue up eleven percent. ", 1024) : "Hi there";

        Trace = TraceField.Parse("""
            {"trace_id":"app_trace_001","trace_name":"Chat Handler","environment":"staging","team":"search","feature":"summary","release":"2026.11.3"}
            """);
        Request = new ChatCompletionRequest
        {
            Model = "openai/gpt-4o",
            Messages =
            [
                new ChatMessage { Role = "system", Content = "You are a concise assistant." },
                new ChatMessage { Role = "user", Content = prompt },
            ],
            User = "user-42",
            SessionId = "session-7f3a",
            Trace = Trace,
            Temperature = 0.7,
            TopP = 0.9,
            MaxTokens = 512,
            Seed = 1234,
            Stream = false,
        };
        Response = new ChatCompletionResponse
        {
            Id = "chatcmpl-9QzX4bT1",
            Model = "gpt-4o-2024-08-06",
            Created = 1764331200,
            Choices = [new ChatChoice { Index = 0, FinishReason = "stop", Message = new ChatMessage { Role = "assistant", Content = answer } }],
            Usage = new ChatUsage { PromptTokens = 120, CompletionTokens = 48, TotalTokens = 168 },
        };
        Cost = new GenerationCost(Input: 0.0000225, Output: 0.00009);
        Attempt = new ProviderAttempt(Provider, AttemptStart, AttemptEnd, StatusCode: 200);
    }

    public const string Provider = "openai";
    public const string RootName = "Chat Handler";
    public const string GenerationName = "chat openai/gpt-4o";
    public const string AttemptName = "attempt openai";

    public ContentCase Content { get; }

    public bool IncludeContent { get; }

    public TraceField Trace { get; }

    public ChatCompletionRequest Request { get; }

    public ChatCompletionResponse Response { get; }

    public GenerationCost Cost { get; }

    public ProviderAttempt Attempt { get; }

    /// <summary>The four <c>trace.metadata.*</c> entries in key order, as strings.</summary>
    public IEnumerable<KeyValuePair<string, string>> MetadataInKeyOrder
        => Trace.Metadata.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => KeyValuePair.Create(e.Key, e.Value.GetString()!));

    public static SpanTreeFixture For(ContentCase content) => content == ContentCase.Withheld ? Withheld : WithContent;

    private static readonly SpanTreeFixture Withheld = new(ContentCase.Withheld);
    private static readonly SpanTreeFixture WithContent = new(ContentCase.Content2KB);

    private static string Text(string sentence, int length)
    {
        var text = new System.Text.StringBuilder(length + sentence.Length);
        while (text.Length < length)
        {
            text.Append(sentence);
        }

        return text.ToString(0, length);
    }

    /// <summary>The JSON of the messages, as the generated writer renders content.</summary>
    internal static JsonSerializerOptions ContentJson { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

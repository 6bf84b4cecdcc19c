namespace OtlpBroadcast.Generators.FunctionalTests;

internal static class Samples
{
    public static ChatRequest Request() => new()
    {
        Model = "gpt-4o",
        Temperature = 0.7,
        TopP = 0.9f,
        MaxTokens = 256,
        Seed = 42,
        Stop = ["END"],
        User = "u-1",
        SessionId = "s-1",
        Messages =
        [
            new ChatMessage { Role = ChatRole.System, Content = "Be brief." },
            new ChatMessage { Role = ChatRole.User, Content = "Hi" },
        ],
        Trace = new TraceField
        {
            TraceId = "t-1",
            TraceName = "chat",
            Metadata = new Dictionary<string, string> { ["env"] = "prod", ["tenant"] = "acme" },
        },
        ResponseFormat = new object(),
    };

    public static ChatResponse Response() => new()
    {
        Id = "chatcmpl-1",
        Model = "gpt-4o-2024-08-06",
        FinishReasons = [FinishReason.Stop, FinishReason.ToolCalls],
        Usage = new Usage { PromptTokens = 12, CompletionTokens = 5, TotalTokens = 17, Cost = 0.00042m },
        Completion = "Hello!",
        Choices = [new ChatChoice { Index = 0, Message = new ChatMessage { Role = ChatRole.Assistant, Content = "Hello!" } }],
    };
}

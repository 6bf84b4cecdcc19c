using System.Diagnostics;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// The generations the soak records, in a fixed rotation of shapes: completed, streamed and failed calls, one to three
/// provider attempts, sometimes an intermediate span. Every piece of content carries <see cref="ContentMarker"/>, which
/// nothing else sent contains, so a body that holds it carries content.
/// </summary>
internal static class SoakGenerations
{
    /// <summary>In every prompt, completion, streamed chunk and error message; nowhere else.</summary>
    public const string ContentMarker = "SOAKCONTENT";

    private static readonly string Filler = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 80));

    /// <summary>Records generation <paramref name="sequence"/> of a producer and returns how many spans it makes.
    /// <paramref name="requestPathTicks"/> is what the caller paid: the SDK calls only, from start to completion.</summary>
    public static int Record(GenerationBroadcaster broadcaster, string label, int producer, long sequence, out long requestPathTicks)
    {
        int attempts = 1 + (int)(sequence % 3);
        bool intermediate = sequence % 5 == 0;
        int contentLength = 64 + (int)(sequence * 37 % 1500);
        string content = ContentMarker + " " + Filler[..contentLength];
        var request = new ChatCompletionRequest
        {
            Model = sequence % 2 == 0 ? "openai/gpt-4o" : "anthropic/claude-sonnet-4",
            Messages =
            [
                new ChatMessage { Role = "system", Content = "You are terse." },
                new ChatMessage { Role = "user", Content = content },
            ],
            User = $"user-{producer}",
            SessionId = $"session-{producer}-{sequence / 10}",
            Temperature = 0.7,
            Trace = new TraceField
            {
                TraceId = $"soak-{producer}-{sequence}",
                TraceName = label,
                SpanName = intermediate ? "handler" : null,
            },
        };
        DateTimeOffset now = DateTimeOffset.UtcNow;

        long started = Stopwatch.GetTimestamp();
        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        for (int i = 0; i < attempts; i++)
        {
            bool last = i == attempts - 1;
            recording.AddAttempt(new ProviderAttempt(i % 2 == 0 ? "openai" : "azure", now, now.AddMilliseconds(40), last ? 200 : 503, last ? null : "503"));
        }

        switch (sequence % 4)
        {
            case 0:
            case 2:
                recording.CompleteChat(Response(content), new GenerationCost(Input: 0.00001, Output: 0.00002));
                break;
            case 1:
                recording.AppendOutput(ContentMarker);
                recording.AppendOutput(content.AsSpan(0, content.Length / 2));
                recording.CompleteStream("chatcmpl-soak", "openai/gpt-4o-2024-08-06", "stop", Usage());
                break;
            default:
                recording.Fail("upstream_error", ContentMarker + " the upstream quoted the prompt");
                break;
        }

        requestPathTicks = Stopwatch.GetTimestamp() - started;
        return 2 + (intermediate ? 1 : 0) + attempts;
    }

    private static ChatCompletionResponse Response(string content) => new()
    {
        Id = "chatcmpl-soak",
        Model = "openai/gpt-4o-2024-08-06",
        Choices = [new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = content }, FinishReason = "stop" }],
        Usage = Usage(),
    };

    private static ChatUsage Usage() => new() { PromptTokens = 120, CompletionTokens = 80, TotalTokens = 200 };
}

using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast;

/// <summary>Shortcuts for the SDK's own OpenAI-compatible DTOs.</summary>
public static class ChatBroadcasting
{
    /// <summary>
    /// Starts recording a chat completion: the request's <c>trace</c>, <c>model</c>, <c>user</c> and
    /// <c>session_id</c> fill the context.
    /// </summary>
    public static GenerationRecording<ChatCompletionRequest> StartChat(
        this GenerationBroadcaster broadcaster, ChatCompletionRequest request, string? provider = null, string? apiKeyName = null)
    {
        ArgumentNullException.ThrowIfNull(broadcaster);
        ArgumentNullException.ThrowIfNull(request);
        return broadcaster.Start(request, RecordingContext.Default with
        {
            Trace = request.Trace,
            Model = request.Model,
            User = request.User,
            SessionId = request.SessionId,
            Provider = provider,
            ApiKeyName = apiKeyName,
        });
    }

    /// <summary>Completes with a chat response; cost comes from <paramref name="cost"/>, else from <c>usage.cost</c>.</summary>
    public static void CompleteChat(this GenerationRecording<ChatCompletionRequest> recording, ChatCompletionResponse response, GenerationCost cost = default)
    {
        if (cost.IsUnknown && response?.Usage?.Cost is { } total)
        {
            cost = new GenerationCost(Total: total);
        }

        recording.Complete<ChatCompletionResponse>(response!, cost);
    }
}

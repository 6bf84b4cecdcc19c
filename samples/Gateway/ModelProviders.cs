using System.Net.Http.Json;
using OtlpBroadcast;
using OtlpBroadcast.OpenAi;

namespace Gateway;

/// <summary>What answers a chat completion: the built-in deterministic provider, or an upstream over HTTP.</summary>
public interface IModelProvider
{
    /// <summary>The provider's name (<c>gen_ai.provider.name</c>).</summary>
    string Name { get; }

    /// <summary>Answers <paramref name="request"/>.</summary>
    Task<ProviderAnswer> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellationToken);
}

/// <summary>A provider's answer and what it cost.</summary>
public sealed record ProviderAnswer(ChatCompletionResponse Response, GenerationCost Cost, int StatusCode);

/// <summary>
/// The embedded default: answers without any network, deterministically, with realistic token counts and prices
/// (per million tokens: $2.50 input, $10 output, like a GPT-4o-class model).
/// </summary>
public sealed class DeterministicProvider(TimeProvider time) : IModelProvider
{
    private const double InputPricePerToken = 2.50 / 1_000_000;
    private const double OutputPricePerToken = 10.0 / 1_000_000;

    /// <inheritdoc/>
    public string Name => "openai";

    /// <inheritdoc/>
    public Task<ProviderAnswer> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellationToken)
    {
        string lastUser = request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
        string text = lastUser.Trim().Equals("Hello!", StringComparison.OrdinalIgnoreCase)
            ? "Hello! How can I help you today?"
            : $"You said: {lastUser}";

        // About four characters a token, plus a few tokens of framing per message.
        long input = request.Messages.Sum(m => (long)Tokens(m.Content) + 4);
        long output = Tokens(text);
        var response = new ChatCompletionResponse
        {
            Id = "gen-" + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            Model = request.Model + "-2024-08-06",
            Created = time.GetUtcNow().ToUnixTimeSeconds(),
            Choices = [new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = text }, FinishReason = "stop" }],
            Usage = new ChatUsage { PromptTokens = input, CompletionTokens = output, TotalTokens = input + output },
        };
        var cost = new GenerationCost(Input: input * InputPricePerToken, Output: output * OutputPricePerToken);
        response.Usage.Cost = cost.EffectiveTotal;
        return Task.FromResult(new ProviderAnswer(response, cost, 200));
    }

    private static int Tokens(string? text) => string.IsNullOrEmpty(text) ? 0 : Math.Max(1, (text.Length + 3) / 4);
}

/// <summary>An OpenAI-compatible upstream (<c>{BaseUrl}/chat/completions</c> with a bearer key). It is sent the request
/// without the router's own fields (<c>trace</c>, <c>session_id</c>) and with every field the DTOs do not model
/// (<c>tools</c>, <c>response_format</c>, …); its answer is relayed with the same care.</summary>
public sealed class UpstreamProvider(HttpClient client, string name) : IModelProvider
{
    /// <inheritdoc/>
    public string Name => name;

    /// <inheritdoc/>
    public async Task<ProviderAnswer> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellationToken)
    {
        using HttpResponseMessage reply = await client.PostAsJsonAsync("chat/completions", request.WithoutRouterFields(), OpenAiJsonContext.Default.ChatCompletionRequest, cancellationToken);
        if (!reply.IsSuccessStatusCode)
        {
            throw new UpstreamException((int)reply.StatusCode);
        }

        ChatCompletionResponse response = await reply.Content.ReadFromJsonAsync(OpenAiJsonContext.Default.ChatCompletionResponse, cancellationToken)
            ?? throw new UpstreamException(502);
        return new ProviderAnswer(response, response.Usage?.Cost is { } total ? new GenerationCost(Total: total) : default, (int)reply.StatusCode);
    }
}

/// <summary>The upstream answered with an error status.</summary>
public sealed class UpstreamException(int statusCode) : Exception($"The upstream provider answered {statusCode}.")
{
    /// <summary>The upstream's status.</summary>
    public int StatusCode { get; } = statusCode;
}

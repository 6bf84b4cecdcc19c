using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>Answers <paramref name="request"/> chunk by chunk (<c>"stream": true</c>); the last chunk carries the
    /// finish reason and the usage. A refusal before the first chunk throws <see cref="UpstreamException"/>.</summary>
    IAsyncEnumerable<ChatCompletionChunk> StreamAsync(ChatCompletionRequest request, CancellationToken cancellationToken);
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
        (string text, ChatUsage usage, GenerationCost cost) = Answer(request);
        var response = new ChatCompletionResponse
        {
            Id = NewId(),
            Model = ModelOf(request),
            Created = time.GetUtcNow().ToUnixTimeSeconds(),
            Choices = [new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = text }, FinishReason = "stop" }],
            Usage = usage,
        };
        return Task.FromResult(new ProviderAnswer(response, cost, 200));
    }

    /// <inheritdoc/>
    /// <remarks>The same answer as <see cref="CompleteAsync"/>, a word a chunk: the first chunk gives the role, the last
    /// the finish reason and the usage (with its cost, as routers send it).</remarks>
    public async IAsyncEnumerable<ChatCompletionChunk> StreamAsync(ChatCompletionRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        (string text, ChatUsage usage, _) = Answer(request);
        string id = NewId();
        string model = ModelOf(request);
        long created = time.GetUtcNow().ToUnixTimeSeconds();
        ChatCompletionChunk Chunk(ChatChunkDelta delta, string? finishReason = null, ChatUsage? chunkUsage = null) => new()
        {
            Id = id,
            Model = model,
            Created = created,
            Choices = [new ChatChunkChoice { Delta = delta, FinishReason = finishReason }],
            Usage = chunkUsage,
        };

        yield return Chunk(new ChatChunkDelta { Role = "assistant", Content = "" });
        int start = 0;
        while (start < text.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int space = text.IndexOf(' ', start + 1);
            int end = space < 0 ? text.Length : space;
            yield return Chunk(new ChatChunkDelta { Content = text[start..end] });
            start = end;
            await Task.Yield();
        }

        yield return Chunk(new ChatChunkDelta(), "stop", usage);
    }

    private (string Text, ChatUsage Usage, GenerationCost Cost) Answer(ChatCompletionRequest request)
    {
        string lastUser = request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
        string text = lastUser.Trim().Equals("Hello!", StringComparison.OrdinalIgnoreCase)
            ? "Hello! How can I help you today?"
            : $"You said: {lastUser}";

        // About four characters a token, plus a few tokens of framing per message.
        long input = request.Messages.Sum(m => (long)Tokens(m.Content) + 4);
        long output = Tokens(text);
        var cost = new GenerationCost(Input: input * InputPricePerToken, Output: output * OutputPricePerToken);
        var usage = new ChatUsage { PromptTokens = input, CompletionTokens = output, TotalTokens = input + output, Cost = cost.EffectiveTotal };
        return (text, usage, cost);
    }

    private string NewId() => "gen-" + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string ModelOf(ChatCompletionRequest request) => request.Model + "-2024-08-06";

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

    /// <inheritdoc/>
    /// <remarks>Reads the upstream's server-sent events: each <c>data:</c> line is a chunk, <c>data: [DONE]</c> ends the
    /// stream; comment lines (<c>: OPENROUTER PROCESSING</c>) and other fields are skipped.</remarks>
    public async IAsyncEnumerable<ChatCompletionChunk> StreamAsync(ChatCompletionRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = JsonContent.Create(StreamUsage.Asked(request.WithoutRouterFields()), OpenAiJsonContext.Default.ChatCompletionRequest),
        };
        message.Headers.Accept.ParseAdd("text/event-stream");
        using HttpResponseMessage reply = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!reply.IsSuccessStatusCode)
        {
            throw new UpstreamException((int)reply.StatusCode);
        }

        using var reader = new StreamReader(await reply.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            string data = line["data:".Length..].Trim();
            if (data == "[DONE]")
            {
                yield break;
            }

            yield return JsonSerializer.Deserialize(data, OpenAiJsonContext.Default.ChatCompletionChunk)
                ?? throw new UpstreamException(502);
        }
    }
}

/// <summary>
/// Usage in a stream: OpenAI-compatible APIs send it only when the request asks (<c>"stream_options":
/// {"include_usage": true}</c>), in a last chunk without choices. The gateway asks for it, so that streamed generations
/// are recorded with their tokens and cost, and relays that chunk only to a caller who asked for it too.
/// </summary>
public static class StreamUsage
{
    /// <summary>Whether <paramref name="request"/> asks for usage in its stream.</summary>
    public static bool IsAskedFor(ChatCompletionRequest request)
        => request.AdditionalProperties is { } fields
        && fields.TryGetValue("stream_options", out JsonElement options)
        && options.ValueKind == JsonValueKind.Object
        && options.TryGetProperty("include_usage", out JsonElement include)
        && include.ValueKind == JsonValueKind.True;

    /// <summary><paramref name="forwarded"/> (a copy for the provider), asking for usage: its <c>stream_options</c>
    /// keep their other settings. Its unmodelled fields are copied first, as the caller's request shares them.</summary>
    public static ChatCompletionRequest Asked(ChatCompletionRequest forwarded)
    {
        if (IsAskedFor(forwarded))
        {
            return forwarded;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (forwarded.AdditionalProperties?.TryGetValue("stream_options", out JsonElement options) == true && options.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty option in options.EnumerateObject())
                {
                    if (option.Name != "include_usage")
                    {
                        option.WriteTo(writer);
                    }
                }
            }

            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }

        forwarded.AdditionalProperties = new Dictionary<string, JsonElement>(forwarded.AdditionalProperties ?? [], StringComparer.Ordinal)
        {
            ["stream_options"] = JsonElement.Parse(buffer.WrittenSpan),
        };
        return forwarded;
    }
}

/// <summary>The upstream answered with an error status.</summary>
public sealed class UpstreamException(int statusCode) : Exception($"The upstream provider answered {statusCode}.")
{
    /// <summary>The upstream's status.</summary>
    public int StatusCode { get; } = statusCode;
}

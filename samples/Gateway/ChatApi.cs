using System.Globalization;
using System.Text.Json;
using OtlpBroadcast;
using OtlpBroadcast.OpenAi;

namespace Gateway;

/// <summary>
/// <c>POST /api/v1/chat/completions</c>: answers through the provider and broadcasts the call. With
/// <c>"stream": true</c> the answer goes back as server-sent events (<c>data: {chunk}</c>, then <c>data: [DONE]</c>),
/// each chunk's text recorded as it passes, so the generation span has the time to the first token.
/// </summary>
public static class ChatApi
{
    /// <summary>Maps the endpoint.</summary>
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/v1/chat/completions", async (HttpRequest http, GenerationBroadcaster broadcaster, IModelProvider provider, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (JsonBody.RefuseIfNotJson(http) is { } refusal)
            {
                return refusal;
            }

            ChatCompletionRequest? request;
            try
            {
                request = await http.ReadFromJsonAsync(OpenAiJsonContext.Default.ChatCompletionRequest, cancellationToken);
            }
            catch (JsonException exception)
            {
                return Error("Invalid request: " + exception.Message, 400);
            }

            if (request is null || string.IsNullOrWhiteSpace(request.Model) || request.Messages.Count == 0)
            {
                return Error("A request needs a model and at least one message.", 400);
            }

            var call = new ProviderCall(broadcaster.StartChat(request, provider.Name), provider.Name, time);
            return request.Stream == true
                ? await StreamAsync(http.HttpContext, request, provider, call, cancellationToken)
                : await CompleteAsync(request, provider, call, cancellationToken);
        });
    }

    private static async Task<IResult> CompleteAsync(ChatCompletionRequest request, IModelProvider provider, ProviderCall call, CancellationToken cancellationToken)
    {
        try
        {
            ProviderAnswer answer = await provider.CompleteAsync(request, cancellationToken);
            call.Answered(answer.StatusCode);
            call.Recording.CompleteChat(answer.Response, answer.Cost);
            return Results.Json(answer.Response, OpenAiJsonContext.Default.ChatCompletionResponse);
        }
        catch (Exception exception)
        {
            return call.Failed(exception);
        }
    }

    /// <summary>
    /// Relays the provider's chunks as server-sent events. A failure before the first chunk is answered like one of a
    /// call that is not streamed (502 with a JSON error); after it, the status is sent already, so the stream ends with
    /// an <c>error</c> event instead. Either way the generation is recorded as failed, with the text streamed so far; a
    /// client that disconnects is not a failure of the upstream: the generation is recorded as the SDK's chat client
    /// middleware records a stream its caller abandons, with <c>error.type</c> <c>cancelled</c>.
    /// </summary>
    private static async Task<IResult> StreamAsync(HttpContext http, ChatCompletionRequest request, IModelProvider provider, ProviderCall call, CancellationToken cancellationToken)
    {
        string? id = null;
        string? model = null;
        string? finishReason = null;
        ChatUsage? usage = null;
        bool started = false;
        bool callerWantsUsage = StreamUsage.IsAskedFor(request);
        void Start()
        {
            if (!started)
            {
                http.Response.ContentType = "text/event-stream";
                http.Response.Headers.CacheControl = "no-cache";
                started = true;
            }
        }

        try
        {
            await foreach (ChatCompletionChunk chunk in provider.StreamAsync(request, cancellationToken))
            {
                Start();

                id ??= chunk.Id;
                model ??= chunk.Model;
                usage = chunk.Usage ?? usage;
                foreach (ChatChunkChoice choice in chunk.Choices)
                {
                    // The recording holds one output: the first choice's (n > 1 streams every choice to the caller).
                    if (choice.Index == 0)
                    {
                        if (choice.Delta?.Content is { Length: > 0 } text)
                        {
                            call.Recording.AppendOutput(text);
                        }

                        if (choice.Delta?.ReasoningText is { Length: > 0 } reasoning)
                        {
                            call.Recording.AppendReasoning(reasoning);
                        }

                        if (choice.Delta?.Refusal is { Length: > 0 } refusal)
                        {
                            call.Recording.AppendRefusal(refusal);
                        }

                        finishReason = choice.FinishReason ?? finishReason;
                    }
                }

                // The usage-only chunk the gateway asked the upstream for: recorded above, relayed only when asked for.
                if (chunk.Choices.Count > 0 || chunk.Usage is null || callerWantsUsage)
                {
                    await WriteEventAsync(http.Response, JsonSerializer.SerializeToUtf8Bytes(chunk, OpenAiJsonContext.Default.ChatCompletionChunk), cancellationToken);
                }
            }

            Start();
            await WriteEventAsync(http.Response, Done, cancellationToken);
            call.Answered(200);
            call.Recording.CompleteStream(id, model, finishReason, usage);
            return Results.Empty;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The client has gone (the token is the request's, aborted when its connection closes): whatever the
            // relay or the upstream read then threw, nobody is left to answer.
            call.Cancelled();
            return Results.Empty;
        }
        catch (Exception exception)
        {
            IResult failure = call.Failed(exception);
            if (!started)
            {
                return failure;
            }

            await WriteEventAsync(http.Response, JsonSerializer.SerializeToUtf8Bytes(new StreamError(new StreamErrorDetail("The upstream stream broke off.")), GatewayJsonContext.Default.StreamError), CancellationToken.None);
            return Results.Empty;
        }
    }

    private static readonly byte[] Done = "[DONE]"u8.ToArray();

    private static readonly byte[] DataField = "data: "u8.ToArray();

    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    private static async Task WriteEventAsync(HttpResponse response, byte[] data, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(DataField, cancellationToken);
        await response.Body.WriteAsync(data, cancellationToken);
        await response.Body.WriteAsync(EventEnd, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static IResult Error(string message, int status)
        => Results.Json(new ErrorView(message), GatewayJsonContext.Default.ErrorView, statusCode: status);

    /// <summary>One call to the provider: its recording and its attempt.</summary>
    private sealed class ProviderCall(GenerationRecording<ChatCompletionRequest> recording, string provider, TimeProvider time)
    {
        /// <summary>The <c>error.type</c> of an abandoned stream, OtlpBroadcast.AI's.</summary>
        private const string CancelledErrorType = "cancelled";

        private readonly DateTimeOffset _start = time.GetUtcNow();

        public GenerationRecording<ChatCompletionRequest> Recording { get; } = recording;

        public void Answered(int statusCode)
            => Recording.AddAttempt(new ProviderAttempt(provider, _start, time.GetUtcNow(), statusCode));

        /// <summary>Records the failure (any exception: the call is always traced) and gives the caller's answer.</summary>
        public IResult Failed(Exception exception)
        {
            (int? status, string errorType, string message) = exception switch
            {
                UpstreamException upstream => ((int?)upstream.StatusCode, upstream.StatusCode.ToString(CultureInfo.InvariantCulture), upstream.Message),
                HttpRequestException or TaskCanceledException => (null, exception.GetType().Name, "The upstream provider did not answer."),
                JsonException => (null, exception.GetType().Name, "The upstream provider's answer could not be read."),
                _ => (null, exception.GetType().Name, "The upstream provider's answer could not be relayed."),
            };
            Recording.AddAttempt(new ProviderAttempt(provider, _start, time.GetUtcNow(), status, errorType));
            Recording.Fail(exception);
            return Error(message, 502);
        }

        /// <summary>Records a stream the client abandoned, as OtlpBroadcast.AI's middleware records one (its
        /// <c>error.type</c> and message); the text streamed so far stays the output.</summary>
        public void Cancelled()
        {
            Recording.AddAttempt(new ProviderAttempt(provider, _start, time.GetUtcNow(), ErrorType: CancelledErrorType));
            Recording.Fail(CancelledErrorType, "the caller stopped reading the stream before it ended");
        }
    }
}

/// <summary>The last event of a stream that broke off after it began: <c>{"error":{"message":"…"}}</c>, as
/// OpenAI-compatible APIs send it.</summary>
public sealed record StreamError([property: System.Text.Json.Serialization.JsonPropertyName("error")] StreamErrorDetail Error);

/// <summary>What a <see cref="StreamError"/> says.</summary>
public sealed record StreamErrorDetail([property: System.Text.Json.Serialization.JsonPropertyName("message")] string Message);

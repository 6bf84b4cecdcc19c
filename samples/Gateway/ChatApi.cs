using System.Text.Json;
using OtlpBroadcast;
using OtlpBroadcast.OpenAi;

namespace Gateway;

/// <summary><c>POST /api/v1/chat/completions</c>: answers through the provider and broadcasts the call.</summary>
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
                return Results.Json(new ErrorView("Invalid request: " + exception.Message), GatewayJsonContext.Default.ErrorView, statusCode: 400);
            }

            if (request is null || string.IsNullOrWhiteSpace(request.Model) || request.Messages.Count == 0)
            {
                return Results.Json(new ErrorView("A request needs a model and at least one message."), GatewayJsonContext.Default.ErrorView, statusCode: 400);
            }

            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider.Name);
            DateTimeOffset attemptStart = time.GetUtcNow();
            try
            {
                ProviderAnswer answer = await provider.CompleteAsync(request, cancellationToken);
                recording.AddAttempt(new ProviderAttempt(provider.Name, attemptStart, time.GetUtcNow(), answer.StatusCode));
                recording.CompleteChat(answer.Response, answer.Cost);
                return Results.Json(answer.Response, OpenAiJsonContext.Default.ChatCompletionResponse);
            }
            catch (UpstreamException exception)
            {
                recording.AddAttempt(new ProviderAttempt(provider.Name, attemptStart, time.GetUtcNow(), exception.StatusCode, exception.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                recording.Fail(exception);
                return Results.Json(new ErrorView(exception.Message), GatewayJsonContext.Default.ErrorView, statusCode: 502);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                recording.AddAttempt(new ProviderAttempt(provider.Name, attemptStart, time.GetUtcNow(), null, exception.GetType().Name));
                recording.Fail(exception);
                return Results.Json(new ErrorView("The upstream provider did not answer."), GatewayJsonContext.Default.ErrorView, statusCode: 502);
            }
        });
    }
}

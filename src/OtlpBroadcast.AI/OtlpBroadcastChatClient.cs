using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OtlpBroadcast.OpenAi;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using OtlpChatMessage = OtlpBroadcast.OpenAi.ChatMessage;

namespace OtlpBroadcast.AI;

/// <summary>
/// An <see cref="IChatClient"/> middleware that records every call, streamed or not, as an LLM generation and
/// broadcasts it through a <see cref="GenerationBroadcaster"/>: request parameters, input and output messages (content,
/// so privacy mode applies), usage, finish reason, response id and model, provider, errors, and for streams the time to
/// the first token. The caller's results and exceptions pass through unchanged; recording never throws into the call.
/// </summary>
public sealed class OtlpBroadcastChatClient : DelegatingChatClient
{
    private readonly GenerationBroadcaster _broadcaster;
    private readonly OtlpBroadcastChatClientOptions _options;
    private readonly ChatClientMetadata? _metadata;

    /// <summary>Wraps <paramref name="innerClient"/>.</summary>
    public OtlpBroadcastChatClient(IChatClient innerClient, GenerationBroadcaster broadcaster, OtlpBroadcastChatClientOptions? options = null)
        : base(innerClient)
    {
        _broadcaster = broadcaster ?? throw new ArgumentNullException(nameof(broadcaster));
        _options = options ?? new OtlpBroadcastChatClientOptions();
        _metadata = innerClient.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
    }

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Materialised once: the inner client and the recording must see the same messages.
        IList<AiChatMessage> list = messages as IList<AiChatMessage> ?? [.. messages];
        GenerationRecording<ChatClientRequest>? recording = Start(list, options, stream: false);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            if (recording is not null)
            {
                Fail(recording.Value, exception, cancellationToken);
            }

            throw;
        }

        if (recording is not null)
        {
            Complete(recording.Value, response, options);
        }

        return response;
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IList<AiChatMessage> list = messages as IList<AiChatMessage> ?? [.. messages];
        GenerationRecording<ChatClientRequest>? recording = Start(list, options, stream: true);
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception exception)
        {
            if (recording is not null)
            {
                Fail(recording.Value, exception, cancellationToken);
            }

            throw;
        }

        var stream = new StreamState(options);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await updates.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    stream.Fail(recording, exception, cancellationToken);
                    throw;
                }

                if (!more)
                {
                    break;
                }

                ChatResponseUpdate update = updates.Current;
                if (recording is not null)
                {
                    stream.Observe(recording.Value, update);
                }

                yield return update;
            }

            if (recording is not null && stream.ToResponse(recording.Value) is { } response)
            {
                Complete(recording.Value, response, options);
            }
        }
        finally
        {
            try
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // The caller stopped reading (or cancelled) before the stream ended: still recorded, as such, even
                // when closing the inner stream throws (its exception goes on to the caller unchanged).
                if (recording is { IsCompleted: false })
                {
                    stream.Fail(recording.Value, CancelledType, "the caller stopped reading the stream before it ended");
                }
            }
        }
    }

    /// <summary>The <c>error.type</c> of a call its caller gave up: a stream it stopped reading, or a call it cancelled.</summary>
    private const string CancelledType = "cancelled";

    /// <summary>
    /// Fails the recording with the inner client's exception; an <see cref="OperationCanceledException"/> once the
    /// caller's token is cancelled as <see cref="CancelledType"/>, as a stream the caller stops reading is: whether the
    /// caller breaks out of its loop or cancels, and whichever of <see cref="OperationCanceledException"/> and
    /// <see cref="TaskCanceledException"/> the client throws, a backend sees one kind for the caller giving up, apart
    /// from the upstream's failures (a timeout inside the client cancels without the caller's token).
    /// </summary>
    private static void Fail(GenerationRecording<ChatClientRequest> recording, Exception exception, CancellationToken cancellationToken)
    {
        (string type, string message) = ErrorOf(exception, cancellationToken);
        recording.Fail(type, message);
    }

    /// <summary>The <c>error.type</c> and message <see cref="Fail(GenerationRecording{ChatClientRequest}, Exception, CancellationToken)"/> records.</summary>
    private static (string Type, string Message) ErrorOf(Exception exception, CancellationToken cancellationToken)
        => exception is OperationCanceledException && cancellationToken.IsCancellationRequested
            ? (CancelledType, "the caller cancelled the call")
            : (exception.GetType().FullName ?? exception.GetType().Name, exception.Message);

    private GenerationRecording<ChatClientRequest>? Start(IList<AiChatMessage> messages, ChatOptions? options, bool stream)
    {
        try
        {
            var request = new ChatClientRequest
            {
                Model = ModelOf(options),
                SystemInstructions = string.IsNullOrEmpty(options?.Instructions) ? null : [ChatMessagePart.ForText(options.Instructions)],
                Messages = [.. messages.SelectMany(ToMessages)],
                Tools = options?.Tools is { Count: > 0 } tools
                    ? [.. tools.Select(t => new ChatToolDefinition { Name = t.Name, Description = t.Description })]
                    : null,
                Temperature = options?.Temperature,
                TopP = options?.TopP,
                TopK = options?.TopK,
                MaxTokens = options?.MaxOutputTokens,
                FrequencyPenalty = options?.FrequencyPenalty,
                PresencePenalty = options?.PresencePenalty,
                StopSequences = options?.StopSequences is { Count: > 0 } stop ? [.. stop] : null,
                Seed = options?.Seed,
                Stream = stream,
                OutputType = options?.ResponseFormat switch
                {
                    ChatResponseFormatJson => "json",
                    ChatResponseFormatText => "text",
                    _ => null,
                },
                ConversationId = options?.ConversationId,
            };
            Uri? server = _metadata?.ProviderUri;
            return _broadcaster.Start(request, new GenerationContext
            {
                Trace = ChatTraceOptions.ReadTrace(options?.AdditionalProperties),
                Model = request.Model,
                Provider = _options.ProviderName ?? _metadata?.ProviderName,
                User = ChatTraceOptions.ReadString(options?.AdditionalProperties, OtlpBroadcastChatClientOptions.UserKey),
                SessionId = ChatTraceOptions.ReadString(options?.AdditionalProperties, OtlpBroadcastChatClientOptions.SessionIdKey),
                ApiKeyName = _options.ApiKeyName,
                ServerAddress = server?.Host,
                ServerPort = server is null ? null : server.Port,
            });
        }
        catch (Exception)
        {
            // Telemetry never fails the call: without a recording the call simply goes unrecorded.
            return null;
        }
    }

    private void Complete(GenerationRecording<ChatClientRequest> recording, ChatResponse response, ChatOptions? options)
    {
        try
        {
            ChatClientResponse completion = ToCompletion(response, options, response.FinishReason?.Value);
            GenerationCost cost = response.Usage is { } usage && _options.Cost is { } price
                ? SafeCost(price, response.ModelId ?? ModelOf(options), usage)
                : default;
            recording.Complete(completion, cost);
        }
        catch (Exception exception)
        {
            recording.Fail(exception);
        }
    }

    /// <summary><paramref name="response"/> as span attributes, its output messages each with
    /// <paramref name="finishReason"/>.</summary>
    private static ChatClientResponse ToCompletion(ChatResponse response, ChatOptions? options, string? finishReason) => new()
    {
        Id = response.ResponseId,
        Model = response.ModelId,
        FinishReasons = finishReason is null ? [] : [finishReason],
        Usage = ToUsage(response.Usage),
        ConversationId = ResponseConversationId(options, response.ConversationId),
        Output = [.. response.Messages.SelectMany(ToMessages).Select(m => new ChatChoice { Message = m, FinishReason = finishReason })],
    };

    private string? ModelOf(ChatOptions? options) => options?.ModelId ?? _metadata?.DefaultModelId;

    /// <summary>
    /// The conversation id to record from the response: none when the request already has one. Request and response
    /// both write <c>gen_ai.conversation.id</c> onto the generation span, and a receiver refuses a span with a key
    /// written twice, losing the whole export request; the request's id is the conversation the caller continues.
    /// </summary>
    private static string? ResponseConversationId(ChatOptions? options, string? answered)
        => options?.ConversationId is null ? answered : null;

    private static GenerationCost SafeCost(Func<string?, UsageDetails, GenerationCost> price, string? model, UsageDetails usage)
    {
        try
        {
            return price(model, usage);
        }
        catch (Exception)
        {
            return default;
        }
    }

    /// <summary>
    /// A Microsoft.Extensions.AI message as OpenAI DTOs: its text (and images, audio and files:
    /// <see cref="ChatContentParts"/>) and the function calls it asks for as tool calls (arguments as JSON). Function results become <c>tool</c> messages, one per result, as OpenAI takes them:
    /// parallel calls are answered by one message holding every result, and each must be recorded. A result that is
    /// only an exception is answered by the exception's message: what the call came to, without the stack trace, which
    /// tells a reader of the conversation nothing and gives away the application's internals.
    /// </summary>
    private static IEnumerable<OtlpChatMessage> ToMessages(AiChatMessage message)
    {
        bool answered = false;
        foreach (FunctionResultContent result in message.Contents.OfType<FunctionResultContent>())
        {
            answered = true;
            yield return new OtlpChatMessage
            {
                Role = message.Role.Value,
                Content = ResultText(result.Result) ?? result.Exception?.Message,
                Name = message.AuthorName,
                ToolCallId = result.CallId,
            };
        }

        if (answered)
        {
            yield break;
        }

        List<ChatToolCall> calls = [.. message.Contents.OfType<FunctionCallContent>().Select(ToToolCall)];
        yield return new OtlpChatMessage
        {
            Role = message.Role.Value,
            MessageContent = ChatContentParts.Of(message),
            Name = message.AuthorName,
            ToolCalls = calls.Count > 0 ? calls : null,
        };
    }

    private static ChatToolCall ToToolCall(FunctionCallContent call) => new()
    {
        Id = call.CallId,
        Function = new ChatFunctionCall { Name = call.Name, Arguments = call.Arguments is null ? null : ChatTraceOptions.ToJson(call.Arguments) },
    };

    /// <summary>A function's result as text: a string (a JSON string too, which functions made by
    /// <c>AIFunctionFactory</c> return) as it is, anything else as JSON.</summary>
    private static string? ResultText(object? result) => result switch
    {
        null => null,
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } text => text.GetString(),
        _ => ChatTraceOptions.ToJson(result),
    };

    internal static ChatClientUsage? ToUsage(UsageDetails? usage) => usage is null ? null : new ChatClientUsage
    {
        InputTokens = usage.InputTokenCount,
        OutputTokens = usage.OutputTokenCount,
        TotalTokens = usage.TotalTokenCount ?? usage.InputTokenCount + usage.OutputTokenCount,
        CachedInputTokens = usage.CachedInputTokenCount,
        ReasoningTokens = usage.ReasoningTokenCount,
    };

    /// <summary>
    /// A stream's updates as they go by. Once it ends they become one <see cref="ChatResponse"/> as
    /// Microsoft.Extensions.AI makes it (<c>ToChatResponse</c>), recorded as a call that was not streamed is: the
    /// messages told apart by their ids (a function's result streamed by a client that invokes functions below this one
    /// is a <c>tool</c> message of its own), and the usage of every <see cref="UsageContent"/> added up, since providers
    /// and function-invoking clients report usage in parts.
    /// </summary>
    private sealed class StreamState(ChatOptions? options)
    {
        /// <summary>The finish reason of the output a failed stream leaves, as the core package records it.</summary>
        private const string FailedFinishReason = "error";

        private readonly List<ChatResponseUpdate> _updates = [];

        public void Observe(GenerationRecording<ChatClientRequest> recording, ChatResponseUpdate update)
        {
            try
            {
                _updates.Add(update);
                foreach (AIContent content in update.Contents)
                {
                    if (IsModelOutput(content))
                    {
                        recording.MarkFirstToken();
                        break;
                    }
                }
            }
            catch (Exception)
            {
                // An odd update is not worth failing the caller's stream over.
            }
        }

        /// <summary>Whether <paramref name="content"/> is something the model generated, the first of which ends the time
        /// to the first token: text, reasoning (a reasoning model's first tokens often are; their text, or the provider's
        /// encrypted form of it), a tool call it asks for (a function, or one of the provider's own tools; also when a
        /// function-invoking client below this one, or the provider, holds it for approval and streams the request for
        /// approval in its place), or media it made (inline or by address). Usage, errors and the results of tools (run
        /// below this client or by the provider) are not.</summary>
        private static bool IsModelOutput(AIContent content) => content switch
        {
            TextContent text => text.Text.Length > 0,
            TextReasoningContent reasoning => reasoning.Text.Length > 0 || reasoning.ProtectedData is not null,
            ToolCallContent or ToolApprovalRequestContent or DataContent or UriContent => true,
            _ => false,
        };

        /// <summary>The updates as one response; <see langword="null"/>, with the recording failed, when they cannot be
        /// combined (recording never throws into the caller's stream).</summary>
        public ChatResponse? ToResponse(GenerationRecording<ChatClientRequest> recording)
        {
            try
            {
                return _updates.ToChatResponse();
            }
            catch (Exception exception)
            {
                (string type, string message) = ErrorOf(exception, CancellationToken.None);
                Fail(recording, type, message);
                return null;
            }
        }

        /// <summary>Fails the recording, keeping what was streamed so far as (partial) output.</summary>
        public void Fail(GenerationRecording<ChatClientRequest>? recording, Exception exception, CancellationToken cancellationToken)
        {
            if (recording is not null)
            {
                (string type, string message) = ErrorOf(exception, cancellationToken);
                Fail(recording.Value, type, message);
            }
        }

        /// <summary>
        /// Fails the recording, keeping what was streamed so far as (partial) output: the updates combined as a
        /// finished stream's are, so that the function calls asked for before the failure are kept with the text; the
        /// text and reasoning alone when they cannot be combined (the failure may be that they cannot) or hold no
        /// parts.
        /// </summary>
        public void Fail(GenerationRecording<ChatClientRequest> recording, string errorType, string message)
        {
            if (PartialCompletion() is { } partial)
            {
                recording.FailWithPartialResponse(partial, errorType, message);
                return;
            }

            KeepPartialText(recording);
            recording.Fail(errorType, message);
        }

        private ChatClientResponse? PartialCompletion()
        {
            try
            {
                ChatClientResponse partial = ToCompletion(_updates.ToChatResponse(), options, FailedFinishReason);
                return partial.Output.Exists(choice => choice.Parts?.Count > 0) ? partial : null;
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>What the updates streamed as text and as reasoning, kept as the recording's streamed output (the
        /// recording makes them the output message's <c>reasoning</c> and <c>text</c> parts).</summary>
        private void KeepPartialText(GenerationRecording<ChatClientRequest> recording)
        {
            foreach (ChatResponseUpdate update in _updates)
            {
                foreach (AIContent content in update.Contents)
                {
                    switch (content)
                    {
                        case TextContent { Text.Length: > 0 } text:
                            recording.AppendOutput(text.Text);
                            break;
                        case TextReasoningContent { Text.Length: > 0 } reasoning:
                            recording.AppendReasoning(reasoning.Text);
                            break;
                    }
                }
            }
        }
    }
}

using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast;

/// <summary>
/// One LLM call being recorded. Complete it once, with <see cref="Complete{TResponse}"/>,
/// <see cref="CompleteStream"/>, <see cref="Fail(string, string?)"/> or
/// <see cref="FailWithPartialResponse{TResponse}"/>: the span tree is then encoded for every destination and queued.
/// No method throws into the caller; later calls after completion are ignored.
/// </summary>
/// <remarks>
/// A small handle to pooled state, so that recording allocates nothing: the state goes back to a pool when the
/// recording completes and serves a later call. Every copy of this handle refers to the same recording, and once it
/// completed, every call through any copy is ignored (<see cref="IsCompleted"/> is true), even after the state was
/// reused: a late call never reaches another call's recording. <see langword="default"/> is a recording that is
/// already complete.
/// </remarks>
/// <typeparam name="TRequest">The annotated request type.</typeparam>
public readonly struct GenerationRecording<TRequest> where TRequest : IOtlpAttributes
{
    private readonly RecordingState<TRequest>? _state;
    private readonly long _token;

    internal GenerationRecording(RecordingState<TRequest> state, long token, TraceId traceId)
    {
        _state = state;
        _token = token;
        TraceId = traceId;
    }

    /// <summary>The pooled state behind this handle (for tests).</summary>
    internal RecordingState<TRequest>? State => _state;

    /// <summary>The trace the spans go to (to log it, or return it to the caller).</summary>
    public TraceId TraceId { get; }

    /// <summary>Whether the recording was completed.</summary>
    public bool IsCompleted => _state is null || !_state.IsCurrent(_token);

    /// <summary>Records one attempt at an upstream provider (each becomes a child span of the generation).</summary>
    public void AddAttempt(ProviderAttempt attempt) => _state?.AddAttempt(_token, attempt);

    /// <summary>Marks the arrival of the first streamed token (time to first token).</summary>
    public void MarkFirstToken() => _state?.MarkFirstToken(_token);

    /// <summary>Adds a streamed chunk of the completion. It is content: privacy mode applies to it.</summary>
    public void AppendOutput(ReadOnlySpan<char> chunk) => _state?.AppendOutput(_token, chunk);

    /// <summary>
    /// Adds a streamed chunk of the model's reasoning (a delta's <c>reasoning</c> or <c>reasoning_content</c>,
    /// <see cref="ChatChunkDelta.ReasoningText"/>): it becomes the output message's <c>reasoning</c> part, before its
    /// text, as a response's <see cref="ChatMessage.Reasoning"/> does. It is content: privacy mode applies to it. The
    /// first chunk of reasoning is the first token.
    /// </summary>
    public void AppendReasoning(ReadOnlySpan<char> chunk) => _state?.AppendReasoning(_token, chunk);

    /// <summary>
    /// Adds a streamed chunk of a refusal (a delta's <c>refusal</c>): it becomes a <c>text</c> part after the output
    /// message's text, as a response's <see cref="ChatMessage.Refusal"/> does. It is content: privacy mode applies to
    /// it. The first chunk of a refusal is the first token.
    /// </summary>
    public void AppendRefusal(ReadOnlySpan<char> chunk) => _state?.AppendRefusal(_token, chunk);

    /// <summary>Completes the call with its response.</summary>
    public void Complete<TResponse>(TResponse response, GenerationCost cost = default) where TResponse : IOtlpAttributes
        => _state?.Finish(_token, response, cost, errorType: null, errorMessage: null);

    /// <summary>
    /// Completes a streamed call: the text appended with <see cref="AppendOutput"/> (with the reasoning and refusal
    /// appended with <see cref="AppendReasoning"/> and <see cref="AppendRefusal"/>) becomes the output message, and
    /// usage and the finish reason come from the final chunk.
    /// </summary>
    public void CompleteStream(string? responseId, string? responseModel, string? finishReason, ChatUsage? usage, GenerationCost cost = default)
        => _state?.CompleteStream(_token, responseId, responseModel, finishReason, usage, cost);

    /// <summary>Completes the call as failed; text, reasoning and refusal streamed so far are still recorded (as
    /// content).</summary>
    /// <param name="errorType">A low-cardinality error kind (<c>error.type</c>), e.g. <c>timeout</c> or <c>429</c>.</param>
    /// <param name="message">A description; sent only to destinations not in privacy mode (it may quote content).</param>
    public void Fail(string errorType, string? message = null) => _state?.Fail(_token, errorType, message);

    /// <summary>
    /// Completes the call as failed with what it answered before it failed, recorded as a response is (its output is
    /// content: privacy mode applies). For a client that combines a stream's updates itself, whose partial answer can
    /// hold more than text (function calls it asked for, say); text, reasoning and refusal appended with
    /// <see cref="AppendOutput"/>, <see cref="AppendReasoning"/> and <see cref="AppendRefusal"/> are not recorded
    /// then.
    /// </summary>
    /// <param name="partialResponse">What arrived before the failure.</param>
    /// <param name="errorType">A low-cardinality error kind (<c>error.type</c>), e.g. <c>timeout</c> or <c>429</c>.</param>
    /// <param name="message">A description; sent only to destinations not in privacy mode (it may quote content).</param>
    public void FailWithPartialResponse<TResponse>(TResponse partialResponse, string errorType, string? message = null) where TResponse : IOtlpAttributes
        => _state?.Fail(_token, partialResponse, errorType, message);

    /// <summary>Completes the call as failed with an exception (its type name is the <c>error.type</c>).</summary>
    public void Fail(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Fail(exception.GetType().FullName ?? exception.GetType().Name, exception.Message);
    }
}

using System.Diagnostics;
using System.Text;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast;

/// <summary>
/// One LLM call being recorded. Complete it once, with <see cref="Complete{TResponse}"/>,
/// <see cref="CompleteStream"/> or <see cref="Fail(string, string?)"/>: the span tree is then encoded for every
/// destination and queued. No method throws into the caller; later calls after completion are ignored.
/// </summary>
/// <typeparam name="TRequest">The annotated request type.</typeparam>
public sealed class GenerationRecording<TRequest> where TRequest : IOtlpAttributes
{
    private readonly GenerationBroadcaster _broadcaster;
    private readonly GenerationContext _context;
    private readonly TraceIdentity _identity;
    private readonly long _startTimestamp;
    private readonly DateTimeOffset _start;
    private readonly List<ProviderAttempt> _attempts = [];
    private readonly Lock _lock = new();
    private TRequest? _request;
    private StringBuilder? _output;
    private TimeSpan? _timeToFirstToken;
    private int _completed;

    internal GenerationRecording(GenerationBroadcaster broadcaster, TRequest request, GenerationContext context, Activity? ambient)
    {
        _broadcaster = broadcaster;
        _request = request;
        _context = context;
        _identity = TraceIdentity.Resolve(context.Trace, ambient);
        _start = broadcaster.TimeProvider.GetUtcNow();
        _startTimestamp = broadcaster.TimeProvider.GetTimestamp();
    }

    /// <summary>The trace the spans go to (to log it, or return it to the caller).</summary>
    public TraceId TraceId => _identity.TraceId;

    /// <summary>Whether the recording was completed.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Records one attempt at an upstream provider (each becomes a child span of the generation).</summary>
    public void AddAttempt(ProviderAttempt attempt)
    {
        lock (_lock)
        {
            if (!IsCompleted)
            {
                _attempts.Add(attempt);
            }
        }
    }

    /// <summary>Marks the arrival of the first streamed token (time to first token).</summary>
    public void MarkFirstToken()
    {
        lock (_lock)
        {
            _timeToFirstToken ??= _broadcaster.TimeProvider.GetElapsedTime(_startTimestamp);
        }
    }

    /// <summary>Adds a streamed chunk of the completion. It is content: privacy mode applies to it.</summary>
    public void AppendOutput(ReadOnlySpan<char> chunk)
    {
        lock (_lock)
        {
            if (IsCompleted)
            {
                return;
            }

            _timeToFirstToken ??= _broadcaster.TimeProvider.GetElapsedTime(_startTimestamp);
            (_output ??= new StringBuilder()).Append(chunk);
        }
    }

    /// <summary>Completes the call with its response.</summary>
    public void Complete<TResponse>(TResponse response, GenerationCost cost = default) where TResponse : IOtlpAttributes
        => Finish(response, cost, errorType: null, errorMessage: null, provider: null);

    /// <summary>
    /// Completes a streamed call: the text appended with <see cref="AppendOutput"/> becomes the output message, and
    /// usage and the finish reason come from the final chunk.
    /// </summary>
    public void CompleteStream(string? responseId, string? responseModel, string? finishReason, ChatUsage? usage, GenerationCost cost = default)
    {
        StreamedCompletion? completion = null;
        try
        {
            completion = BuildStreamed(responseId, responseModel, finishReason, usage);
        }
        catch (Exception exception)
        {
            _broadcaster.InternalError(exception);
        }

        Finish(completion, cost.EffectiveTotal is null && usage?.Cost is { } total ? new GenerationCost(Total: total) : cost, null, null, null);
    }

    /// <summary>Completes the call as failed; text streamed so far is still recorded (as content).</summary>
    /// <param name="errorType">A low-cardinality error kind (<c>error.type</c>), e.g. <c>timeout</c> or <c>429</c>.</param>
    /// <param name="message">A description; sent only to destinations not in privacy mode (it may quote content).</param>
    public void Fail(string errorType, string? message = null)
    {
        StreamedCompletion? partial = null;
        try
        {
            partial = _output is null ? null : BuildStreamed(null, null, "error", null);
        }
        catch (Exception exception)
        {
            _broadcaster.InternalError(exception);
        }

        Finish(partial, default, string.IsNullOrWhiteSpace(errorType) ? "error" : errorType, message, null);
    }

    /// <summary>Completes the call as failed with an exception (its type name is the <c>error.type</c>).</summary>
    public void Fail(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Fail(exception.GetType().FullName ?? exception.GetType().Name, exception.Message);
    }

    private StreamedCompletion BuildStreamed(string? responseId, string? responseModel, string? finishReason, ChatUsage? usage)
    {
        string? text;
        lock (_lock)
        {
            text = _output?.ToString();
        }

        return new StreamedCompletion
        {
            Id = responseId,
            Model = responseModel,
            FinishReasons = finishReason is null ? [] : [finishReason],
            Usage = usage,
            Output = text is null ? [] : [new ChatMessage { Role = "assistant", Content = text }],
        };
    }

    private void Finish<TResponse>(TResponse? response, GenerationCost cost, string? errorType, string? errorMessage, string? provider)
        where TResponse : IOtlpAttributes
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        try
        {
            TRequest? request = _request;
            if (request is null)
            {
                return;
            }

            ProviderAttempt[] attempts;
            TimeSpan? ttft;
            lock (_lock)
            {
                attempts = [.. _attempts];
                ttft = _timeToFirstToken;
            }

            DateTimeOffset end = _broadcaster.TimeProvider.GetUtcNow();
            var tree = new SpanTree<TRequest, TResponse>(
                _identity, _context, request, response, _start, end, attempts,
                new GenerationFacts
                {
                    Operation = _context.Operation,
                    Provider = provider ?? _context.Provider ?? LastProvider(attempts),
                    ServerAddress = _context.ServerAddress,
                    ServerPort = _context.ServerPort,
                    Cost = cost,
                    ErrorType = errorType,
                    TimeToFirstTokenSeconds = ttft?.TotalSeconds,
                },
                errorMessage);
            tree.Broadcast(_broadcaster);
        }
        catch (Exception exception)
        {
            _broadcaster.InternalError(exception);
        }
        finally
        {
            // Nothing of the caller's is kept once the spans are encoded.
            _request = default;
            lock (_lock)
            {
                _output = null;
                _attempts.Clear();
            }
        }
    }

    private static string? LastProvider(ProviderAttempt[] attempts) => attempts.Length == 0 ? null : attempts[^1].Provider;
}

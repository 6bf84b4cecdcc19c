using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast;

/// <summary>
/// What a <see cref="GenerationRecording{TRequest}"/> holds while its call runs. Pooled: rented by
/// <see cref="GenerationBroadcaster.Start{TRequest}(TRequest, GenerationContext?)"/>, returned once the recording completed and its spans were queued.
/// Each rental gets a new token, and every call checks the token of the handle it came through: a handle of an
/// earlier rental is a completed recording, whatever the state does now.
/// </summary>
internal sealed class RecordingState<TRequest> where TRequest : IOtlpAttributes
{
    /// <summary>The most idle states kept per request type (well under 1 KB each).</summary>
    internal const int MaxPooled = 1024;

    private static readonly ConcurrentQueue<RecordingState<TRequest>> Pool = new();
    private static int s_pooled;

    private readonly Lock _lock = new();
    private readonly List<ProviderAttempt> _attempts = [];
    private readonly BroadcastScratch _scratch = new();
    private long _lastToken;
    private long _currentToken;
    private GenerationBroadcaster? _broadcaster;
    private TRequest? _request;
    private RecordingContext _context;
    private TraceIdentity _identity;
    private DateTimeOffset _start;
    private long _startTimestamp;
    private StringBuilder? _output;
    private StringBuilder? _reasoning;
    private StringBuilder? _refusal;
    private TimeSpan? _timeToFirstToken;

    private RecordingState()
    {
    }

    /// <summary>Starts recording one call.</summary>
    public static GenerationRecording<TRequest> Start(GenerationBroadcaster broadcaster, TRequest request, in RecordingContext context, Activity? ambient)
    {
        RecordingState<TRequest> state = Rent();
        state._broadcaster = broadcaster;
        state._request = request;
        state._context = context;
        state._identity = TraceIdentity.Resolve(context.Trace, ambient);
        state._start = broadcaster.TimeProvider.GetUtcNow();
        state._startTimestamp = broadcaster.TimeProvider.GetTimestamp();

        // Only this thread knows the state until the handle is returned; publishing the token makes it live.
        long token = ++state._lastToken;
        Volatile.Write(ref state._currentToken, token);
        return new GenerationRecording<TRequest>(state, token, state._identity.TraceId);
    }

    /// <summary>Whether <paramref name="token"/> is the live recording of this state.</summary>
    public bool IsCurrent(long token) => Volatile.Read(ref _currentToken) == token;

    public void AddAttempt(long token, ProviderAttempt attempt)
    {
        lock (_lock)
        {
            if (IsCurrent(token))
            {
                _attempts.Add(attempt);
            }
        }
    }

    public void MarkFirstToken(long token)
    {
        lock (_lock)
        {
            if (IsCurrent(token))
            {
                _timeToFirstToken ??= _broadcaster!.TimeProvider.GetElapsedTime(_startTimestamp);
            }
        }
    }

    public void AppendOutput(long token, ReadOnlySpan<char> chunk) => Append(token, ref _output, chunk);

    public void AppendReasoning(long token, ReadOnlySpan<char> chunk) => Append(token, ref _reasoning, chunk);

    public void AppendRefusal(long token, ReadOnlySpan<char> chunk) => Append(token, ref _refusal, chunk);

    /// <summary>Adds a streamed chunk to one of the texts collected (made on the first chunk); any chunk is the first
    /// token.</summary>
    private void Append(long token, ref StringBuilder? collected, ReadOnlySpan<char> chunk)
    {
        lock (_lock)
        {
            if (!IsCurrent(token))
            {
                return;
            }

            _timeToFirstToken ??= _broadcaster!.TimeProvider.GetElapsedTime(_startTimestamp);
            (collected ??= new StringBuilder()).Append(chunk);
        }
    }

    public void CompleteStream(long token, string? responseId, string? responseModel, string? finishReason, ChatUsage? usage, GenerationCost cost)
    {
        StreamedCompletion? completion = null;
        try
        {
            completion = BuildStreamed(token, responseId, responseModel, finishReason, usage, onlyWithOutput: false);
        }
        catch (Exception exception)
        {
            _broadcaster?.InternalError(exception);
        }

        Finish(token, completion, cost.IsUnknown && usage?.Cost is { } total ? new GenerationCost(Total: total) : cost, null, null);
    }

    public void Fail(long token, string errorType, string? message)
    {
        StreamedCompletion? partial = null;
        try
        {
            partial = BuildStreamed(token, null, null, "error", null, onlyWithOutput: true);
        }
        catch (Exception exception)
        {
            _broadcaster?.InternalError(exception);
        }

        Finish(token, partial, default, ErrorTypeOrDefault(errorType), message);
    }

    public void Fail<TResponse>(long token, TResponse partialResponse, string errorType, string? message)
        where TResponse : IOtlpAttributes
        => Finish(token, partialResponse, default, ErrorTypeOrDefault(errorType), message);

    /// <summary>The error kind, or <c>error</c> when none was given: a failure must still read as one.</summary>
    private static string ErrorTypeOrDefault(string errorType) => string.IsNullOrWhiteSpace(errorType) ? "error" : errorType;

    /// <summary>Completes the recording of <paramref name="token"/> (once: later calls, and calls with an older
    /// token, do nothing), broadcasts its spans and returns the state to the pool.</summary>
    public void Finish<TResponse>(long token, TResponse? response, GenerationCost cost, string? errorType, string? errorMessage)
        where TResponse : IOtlpAttributes
    {
        if (Interlocked.CompareExchange(ref _currentToken, 0, token) != token)
        {
            return;
        }

        GenerationBroadcaster broadcaster = _broadcaster!;
        try
        {
            TRequest? request = _request;
            if (request is null)
            {
                return;
            }

            TimeSpan? ttft;
            lock (_lock)
            {
                // Calls that got the lock before the token changed have added their attempts; later ones see the
                // change and add nothing: from here on the list is read without the lock.
                ttft = _timeToFirstToken;
            }

            var facts = new GenerationFacts
            {
                Operation = _context.Operation,
                Provider = _context.Provider ?? LastProvider(),
                ServerAddress = _context.ServerAddress,
                ServerPort = _context.ServerPort,
                Cost = cost,
                ErrorType = errorType,
                TimeToFirstTokenSeconds = ttft?.TotalSeconds,
            };
            var tree = new SpanTree<TRequest, TResponse>(
                _identity, in _context, request, response, _start, broadcaster.TimeProvider.GetUtcNow(), _attempts, facts, errorMessage, _scratch);
            tree.Broadcast(broadcaster);
        }
        catch (Exception exception)
        {
            broadcaster.InternalError(exception);
        }
        finally
        {
            Return();
        }
    }

    private string? LastProvider() => _attempts.Count == 0 ? null : _attempts[^1].Provider;

    private StreamedCompletion? BuildStreamed(long token, string? responseId, string? responseModel, string? finishReason, ChatUsage? usage, bool onlyWithOutput)
    {
        string? text;
        string? reasoning;
        string? refusal;
        lock (_lock)
        {
            // A late call through an old handle must not read what a later recording streamed.
            if (!IsCurrent(token) || (onlyWithOutput && _output is null && _reasoning is null && _refusal is null))
            {
                return null;
            }

            text = _output?.ToString();
            reasoning = _reasoning?.ToString();
            refusal = _refusal?.ToString();
        }

        // The same message a response that is not streamed answers: reasoning, text and refusal become its parts.
        ChatMessage? message = text is null && reasoning is null && refusal is null
            ? null
            : new ChatMessage { Role = "assistant", Content = text, Reasoning = reasoning, Refusal = refusal };

        return new StreamedCompletion
        {
            Id = responseId,
            Model = responseModel,
            FinishReasons = finishReason is null ? [] : [finishReason],
            Usage = usage,
            Output = message is null ? [] : [new ChatChoice { Message = message, FinishReason = finishReason }],
        };
    }

    private static RecordingState<TRequest> Rent()
    {
        if (Pool.TryDequeue(out RecordingState<TRequest>? state))
        {
            Interlocked.Decrement(ref s_pooled);
            return state;
        }

        return new RecordingState<TRequest>();
    }

    /// <summary>Forgets everything of the caller's (nothing is kept once the spans are queued) and goes back to the
    /// pool.</summary>
    private void Return()
    {
        lock (_lock)
        {
            _request = default;
            _broadcaster = null;
            _context = default;
            _identity = default;
            _attempts.Clear();
            _timeToFirstToken = null;

            // Streamed text, reasoning and refusal are not kept for the next call (streaming allocates what it collects
            // anyway).
            _output = null;
            _reasoning = null;
            _refusal = null;
            _scratch.Clear();
        }

        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            Pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }
}

/// <summary>A copy of a <see cref="GenerationContext"/>, taken when the recording starts.</summary>
internal readonly record struct RecordingContext(
    TraceField? Trace,
    string? Model,
    string Operation,
    string? Provider,
    string? User,
    string? SessionId,
    string? ApiKeyName,
    string? ServerAddress,
    int? ServerPort)
{
    /// <summary>The values of a new <see cref="GenerationContext"/>.</summary>
    public static RecordingContext Default { get; } = From(new GenerationContext());

    public static RecordingContext From(GenerationContext context) => new(
        context.Trace,
        context.Model,
        context.Operation,
        context.Provider,
        context.User,
        context.SessionId,
        context.ApiKeyName,
        context.ServerAddress,
        context.ServerPort);
}

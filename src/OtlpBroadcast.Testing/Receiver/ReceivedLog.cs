using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OtlpBroadcast.Testing;

/// <summary>The thread-safe record of requests and accepted spans, with waits that wake on every change.</summary>
internal sealed class ReceivedLog
{
    private const int RequestsShownOnTimeout = 10;

    private readonly Lock _gate = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<ReceivedSpan> _spans = [];
    private TaskCompletionSource _changed = NewSignal();
    private int _lastIndex = -1;

    public int NextIndex() => Interlocked.Increment(ref _lastIndex);

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToArray();
            }
        }
    }

    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_gate)
            {
                return _spans.ToArray();
            }
        }
    }

    /// <summary>Records the request and, atomically with it, its spans when they were accepted.</summary>
    public void Record(ReceivedRequest request)
    {
        lock (_gate)
        {
            _requests.Add(request);
            if (request.SpansStored)
            {
                _spans.AddRange(request.Spans);
            }

            SignalLocked();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
            _spans.Clear();
            SignalLocked();
        }
    }

    public Task<IReadOnlyList<ReceivedSpan>> WaitForSpansAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return WaitAsync<IReadOnlyList<ReceivedSpan>>(
            () => _spans.Count >= count ? _spans.ToArray() : null,
            () => $"{Plural(count, "span")} but {Plural(_spans.Count, "span")} {(_spans.Count == 1 ? "was" : "were")} accepted",
            timeout,
            cancellationToken);
    }

    public Task<IReadOnlyList<ReceivedRequest>> WaitForRequestsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return WaitAsync<IReadOnlyList<ReceivedRequest>>(
            () => _requests.Count >= count ? _requests.ToArray() : null,
            () => $"{Plural(count, "request")}",
            timeout,
            cancellationToken);
    }

    public Task<ReceivedRequest> WaitForRequestAsync(int index, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return WaitAsync(
            () => _requests.Find(r => r.Index == index),
            () => $"request #{index} to be answered",
            timeout,
            cancellationToken);
    }

    /// <summary>Re-checks <paramref name="probe"/> (under the lock) after every change until it yields a result.</summary>
    private async Task<T> WaitAsync<T>(Func<T?> probe, Func<string> shortfall, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (probe() is { } result)
                {
                    return result;
                }

                changed = _changed.Task;
            }

            var remaining = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - clock.Elapsed;
            try
            {
                if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                await changed.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                lock (_gate)
                {
                    if (probe() is { } lastMoment)
                    {
                        return lastMoment;
                    }

                    throw new TimeoutException(DescribeTimeoutLocked(timeout, shortfall()));
                }
            }
        }
    }

    private string DescribeTimeoutLocked(TimeSpan timeout, string shortfall)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Timed out after {timeout.TotalSeconds:0.###} s waiting for {shortfall}; ");
        text.Append(Plural(_requests.Count, "request")).Append(" received");
        var shown = _requests.Skip(Math.Max(0, _requests.Count - RequestsShownOnTimeout)).ToList();
        if (shown.Count < _requests.Count)
        {
            text.Append(CultureInfo.InvariantCulture, $", the last {shown.Count} shown");
        }

        text.Append(shown.Count == 0 ? "." : ":");
        foreach (var request in shown)
        {
            text.Append("\n  ").Append(request);
        }

        return text.ToString();
    }

    private void SignalLocked()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.SetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Plural(int count, string noun)
        => count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");
}

namespace OtlpBroadcast.Export;

/// <summary>
/// Sends the spans of one destination: a bounded queue that recording never waits on, and one background loop
/// that batches (by count and bytes), sends, retries and splits. Exports of one destination never overlap. The loop
/// runs on a thread of its own and sends synchronously, or on the thread pool and asynchronously (see
/// <see cref="ExporterServices.MaxDedicatedExportThreads"/>); it is the same code either way.
/// </summary>
public sealed class DestinationExporter : IAsyncDisposable
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for queued spans to go out.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest single wait on a timer: longer ones are refused by the runtime, so a long timeout is
    /// waited out in pieces of this length.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>A deadline that never comes: <see cref="Timeout.InfiniteTimeSpan"/>, or a timeout too long to count.</summary>
    private const long NoDeadline = long.MaxValue;

    private readonly FragmentQueue _queue;
    private readonly Lock _drainLock = new();
    private readonly ISpanEnvelope _envelope;
    private readonly OtlpHttpTransport _transport;
    private readonly ExporterServices _services;
    private readonly ExportCounters _counters = new();

    /// <summary>The loop's wake-up on the thread pool; <see langword="null"/> when it runs on a thread of its own.</summary>
    private readonly WakeSignal? _wake;

    /// <summary>The loop's wake-up on a thread of its own; <see langword="null"/> on the thread pool.</summary>
    private readonly ThreadWakeSignal? _threadWake;

    private readonly CancellationTokenSource _stopping = new();
    private readonly PooledBufferWriter _body = new(64 * 1024);
    private readonly List<SpanFragment> _batch;
    private readonly int _wakeThreshold;
    private readonly Task _loop;
    private TaskCompletionSource _progress = NewProgress();
    private int _wakePending;
    private long _flushTarget;

    /// <summary>Targets of the flushes waiting now; <see cref="_nearestFlushWait"/> is the smallest (none:
    /// <see cref="long.MaxValue"/>).</summary>
    private readonly List<long> _flushWaits = [];
    private long _nearestFlushWait = long.MaxValue;
    private long _released;
    private volatile bool _closed;

    /// <summary>Completed when the one shutdown has ended; set by the caller that starts it.</summary>
    private TaskCompletionSource? _shutdown;

    /// <summary>Set (once the loop has ended) when the shutdown drains the queue: a span added after that is dropped
    /// (or handed to <see cref="_replacement"/>) by the thread that added it.</summary>
    private int _drained;

    /// <summary>The exporter that replaced this one in its registry, set before this one starts closing: a span that
    /// reaches this exporter once it has stopped taking spans goes there when it suits that destination.</summary>
    private volatile DestinationExporter? _replacement;

    /// <summary>Starts the exporter of <paramref name="destination"/>.</summary>
    public DestinationExporter(OtlpDestination destination, ExporterServices? services = null)
        : this(destination, services, replacing: null)
    {
    }

    /// <summary>Starts the exporter that replaces <paramref name="replacing"/> in a registry. It takes over that one's
    /// thread, if it runs on one with the same services: it starts before the old one stops, and at the limit of
    /// <see cref="ExporterServices.MaxDedicatedExportThreads"/> it would otherwise share the pool for good.</summary>
    internal DestinationExporter(OtlpDestination destination, ExporterServices? services, DestinationExporter? replacing)
    {
        Destination = destination ?? throw new ArgumentNullException(nameof(destination));
        _services = services ?? ExporterServices.Default;
        _envelope = SpanEnvelopes.Create(destination.Encoding, _services.Resource);
        _transport = new OtlpHttpTransport(destination, _services);
        _queue = new FragmentQueue(destination.MaxQueueSize);
        _batch = new List<SpanFragment>(destination.MaxExportBatchSize);

        // The fragments this queue may hold can come back to the pool and wait there for the next requests.
        FragmentPool.AddQueueCapacity(destination.MaxQueueSize);
        _wakeThreshold = destination.ScheduledDelay == TimeSpan.Zero ? 1 : destination.MaxExportBatchSize;
        bool takingOver = replacing is { OnOwnThread: true } && ReferenceEquals(replacing._services, _services);
        Task? loop = null;
        if (_services.TryTakeExportThread(takingOver))
        {
            _threadWake = new ThreadWakeSignal();
            loop = TryRunOnOwnThread();
            if (loop is null)
            {
                // No thread could be started (the process is out of them): the pool runs the loop instead.
                _threadWake = null;
            }
        }

        if (loop is null)
        {
            _wake = new WakeSignal();

            // Without the creator's execution context, as on a thread of its own: which of the two an exporter gets
            // depends on the limit, and what its loop sees (async-local values, the current activity) must not.
            using (ExecutionContext.SuppressFlow())
            {
                loop = Task.Run(RunAsync);
            }
        }

        _loop = loop;
    }

    /// <summary>Whether the loop runs on a thread of its own, where it blocks instead of awaiting.</summary>
    internal bool OnOwnThread => _threadWake is not null;

    /// <summary>
    /// Starts the loop on a background thread of its own. Everything it waits for completes before the wait returns
    /// there (see <see cref="OnOwnThread"/>), so <see cref="RunAsync"/> runs to its end on that thread. The thread
    /// does not take the creator's execution context: the request that added the destination (its activity, its
    /// async-local values) is not the loop's. The thread is given back to the services when the loop ends, or at once
    /// when it cannot be started: then <see langword="null"/> is returned, and the caller runs the loop on the pool.
    /// </summary>
    private Task? TryRunOnOwnThread()
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            Exception? failure = null;
            try
            {
                RunAsync().GetAwaiter().GetResult();
            }
            catch (Exception exception)
            {
                failure = exception;
            }

            // Given back before the loop's task completes: whoever awaited the shutdown finds the thread free.
            _services.ReturnExportThread();
            if (failure is null)
            {
                ended.SetResult();
            }
            else
            {
                ended.SetException(failure);
            }
        })
        {
            IsBackground = true,
            Name = "OtlpBroadcast exporter",
        };
        try
        {
            _services.StartExportThread(thread);
        }
        catch (Exception)
        {
            // Thread.Start throws OutOfMemoryException or ThreadStartException when the process cannot have another
            // thread. The thread never ran, so nothing else would give its slot back.
            _services.ReturnExportThread();
            return null;
        }

        return ended.Task;
    }

    /// <summary>The destination this exporter sends to.</summary>
    public OtlpDestination Destination { get; }

    /// <summary>The queue, for a test that stops a producer inside it.</summary>
    internal FragmentQueue QueueForTests => _queue;

    /// <summary>
    /// Queues an encoded span. Never blocks and never throws for a full queue, a closed exporter, a fragment in
    /// another encoding than the destination's <see cref="OtlpDestination.Encoding"/> or a fragment with content
    /// (not <see cref="SpanFragment.ContentWithheld"/>) for a destination in privacy mode: the span is then dropped
    /// and counted. On success the exporter holds its own reference to <paramref name="fragment"/>. Once a closed
    /// exporter has been replaced in its registry, a span it would drop for being closed is queued on the exporter
    /// that replaced it instead, when that one takes it (see <see cref="ReplacedBy"/>), and counted there only.
    /// </summary>
    public bool TryEnqueue(SpanFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        if (fragment.Encoding != _envelope.Encoding)
        {
            _counters.Drop(DropReason.WrongEncoding, 1, wasAccepted: false);
            _counters.RecordError(
                $"a {fragment.Encoding} span fragment was offered to a destination that sends {_envelope.Encoding} ({Destination.Protocol}); encode spans in the destination's encoding",
                _services.TimeProvider.GetUtcNow());
            return false;
        }

        if (!MayTake(fragment))
        {
            _counters.Drop(DropReason.ContentNotWithheld, 1, wasAccepted: false);
            _counters.RecordError(
                "a span fragment with content was offered to a destination in privacy mode; encode spans for it with content withheld",
                _services.TimeProvider.GetUtcNow());
            return false;
        }

        if (_closed)
        {
            return PassOnOrDrop(fragment);
        }

        if (!_queue.TryReserve(1))
        {
            if (_closed)
            {
                // Closed since the check above: a span offered after closing, not one the full queue turned away.
                return PassOnOrDrop(fragment);
            }

            _counters.Drop(DropReason.QueueFull, 1, wasAccepted: false);
            NotifyDropped(DropReason.QueueFull, 1);
            return false;
        }

        // Counted before it is queued: a flush's count then never stands for a span that the exporter could send
        // ahead of one this thread queued.
        _counters.Accept();
        fragment.AddReference();
        _queue.AddReserved(fragment);
        AfterAdding();
        return true;
    }

    /// <summary>
    /// Queues the spans of one tree like <see cref="TryEnqueue"/> does one by one, in one step when they all fit and
    /// the destination takes them all (its encoding, its privacy mode: one place reservation, one count, one wake-up
    /// check); otherwise one by one, so that each is accepted or dropped and counted as it would be alone.
    /// </summary>
    internal void TryEnqueueAll(ReadOnlySpan<SpanFragment> fragments)
    {
        if (_closed || !AllTakable(fragments) || !_queue.TryReserve(fragments.Length))
        {
            foreach (SpanFragment fragment in fragments)
            {
                TryEnqueue(fragment);
            }

            return;
        }

        // Counted before they are queued, as in TryEnqueue.
        _counters.Accept(fragments.Length);
        foreach (SpanFragment fragment in fragments)
        {
            // The queue's reference is taken before the exporter can see the span (and release it after sending).
            fragment.AddReference();
            _queue.AddReserved(fragment);
        }

        AfterAdding();
    }

    private bool AllTakable(ReadOnlySpan<SpanFragment> fragments)
    {
        foreach (SpanFragment fragment in fragments)
        {
            if (fragment.Encoding != _envelope.Encoding || !MayTake(fragment))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the fragment's content may go to this destination: a destination in privacy mode takes only
    /// fragments encoded with content withheld.</summary>
    private bool MayTake(SpanFragment fragment) => fragment.ContentWithheld || !Destination.PrivacyMode;

    /// <summary>A span offered once this exporter has stopped taking spans, not counted here yet: the exporter that
    /// replaced this one queues it when it takes it (and counts it); otherwise it is dropped and counted here.</summary>
    private bool PassOnOrDrop(SpanFragment fragment)
    {
        // _closed was read as set: the replacement, linked before it was set, is seen too.
        if (ReplacementTaking(fragment) is { } replacement)
        {
            // Its own TryEnqueue: if it has been replaced in turn and closed, the span goes on along the chain.
            return replacement.TryEnqueue(fragment);
        }

        _counters.Drop(DropReason.Shutdown, 1, wasAccepted: false);
        NotifyDropped(DropReason.Shutdown, 1);
        return false;
    }

    /// <summary>
    /// The exporter that replaced this one, when it may take <paramref name="fragment"/>: its destination is enabled,
    /// sends the fragment's encoding and, for a fragment with content, is not in privacy mode. The fragment was made
    /// for this destination's settings; withheld, it may go anywhere that takes its encoding.
    /// </summary>
    private DestinationExporter? ReplacementTaking(SpanFragment fragment)
    {
        DestinationExporter? replacement = _replacement;
        return replacement is not null && replacement.Destination.Enabled
            && fragment.Encoding == replacement._envelope.Encoding && replacement.MayTake(fragment)
            ? replacement
            : null;
    }

    /// <summary>After spans were added: settles them if the shutdown has already drained the queue, else wakes the
    /// loop when a batch is ready.</summary>
    private void AfterAdding()
    {
        // A full fence between adding and reading the flag (the shutdown's side is its Interlocked.Exchange): either
        // the shutdown's drain sees the spans, or this thread sees the flag.
        Interlocked.MemoryBarrier();
        if (_drained != 0)
        {
            // The shutdown passed its check and has already drained the queue: nothing here will send these spans.
            SettleLeftovers();
            return;
        }

        if (_queue.Count >= _wakeThreshold)
        {
            Wake();
        }
    }

    /// <summary>
    /// Notes the exporter that replaces this one under the same name (its registry calls this before it shuts this one
    /// down). From then on, a span that reaches this exporter after it stopped taking spans (offered by a recording that
    /// read the destinations before the replacement, or still queued when the shutdown ended) goes to
    /// <paramref name="replacement"/> when that destination is enabled, sends the span's encoding and, for a span with
    /// content, is not in privacy mode; otherwise it is dropped here, as after a removal.
    /// </summary>
    internal void ReplacedBy(DestinationExporter replacement)
    {
        // A volatile write before the shutdown's write of _closed (and its exchange of _drained): a thread that sees
        // either flag set sees the replacement too.
        _replacement = replacement;
    }

    /// <summary>Whether the background loop still runs: from construction until <see cref="ShutdownAsync"/> has ended it.</summary>
    public bool IsRunning => !_loop.IsCompleted;

    /// <summary>Counts what the limits cut in spans offered to this destination (the broadcaster reports it).</summary>
    internal void CountLimits(int truncatedValues, int droppedAttributes) => _counters.Limited(truncatedValues, droppedAttributes);

    /// <summary>A snapshot of the counters.</summary>
    public DestinationStatistics GetStatistics() => _counters.Snapshot(Destination.Name, OnOwnThread);

    /// <summary>
    /// Sends everything queued so far, without waiting for the scheduled delay. True when all of it was settled
    /// (exported, rejected or dropped) within <paramref name="timeout"/>. When it returns true in time, the exporter
    /// has also let go of those spans: their fragments are back in their pools.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits without a deadline.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not
    /// <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ValidateTimeout(timeout);
        long target = _counters.AcceptedCount;
        InterlockedMax(ref _flushTarget, target);
        AddFlushWait(target);
        try
        {
            return await WaitForFlushAsync(target, timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            RemoveFlushWait(target);
        }
    }

    private async Task<bool> WaitForFlushAsync(long target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Wake();
        long deadline = DeadlineAfter(timeout);
        while (!SettledAndReleased(target))
        {
            TimeSpan remaining = TimeSpan.FromSeconds((double)(deadline - _services.TimeProvider.GetTimestamp()) / _services.TimeProvider.TimestampFrequency);
            if (remaining <= TimeSpan.Zero || _loop.IsCompleted)
            {
                return _counters.SettledCount >= target;
            }

            Task progress = Volatile.Read(ref _progress).Task;
            if (SettledAndReleased(target))
            {
                break;
            }

            try
            {
                await progress.WaitAsync(Min(remaining, MaxWait), _services.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // One piece of the wait passed; the top of the loop tells whether the whole timeout has.
            }
        }

        return true;
    }

    /// <summary>
    /// Stops taking spans, sends what is queued within <paramref name="timeout"/>, then drops (and counts) the rest; an
    /// exporter replaced in its registry hands the rest that suits its replacement over to it instead.
    /// <see cref="Timeout.InfiniteTimeSpan"/> sends everything, however long it takes. The exporter shuts down once:
    /// a later or concurrent call (or <see cref="DisposeAsync"/>) returns when that shutdown has ended, within its
    /// timeout.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not
    /// <see cref="Timeout.InfiniteTimeSpan"/>; the exporter then goes on running.</exception>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        ValidateTimeout(timeout);

        // One shutdown, whoever asks: a second caller (a dispose from another thread, the host and the container) waits
        // for the first one to end, drain included, rather than returning once the loop ended, or running the drain and
        // giving back the body buffer and the pool's share a second time.
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _shutdown, mine, null) is { } first)
        {
            await first.Task.ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            return;
        }

        try
        {
            await ShutdownOnceAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            mine.SetResult();
        }
    }

    private async Task ShutdownOnceAsync(TimeSpan timeout)
    {
        _closed = true;
        try
        {
            await FlushAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            SetWake();
            try
            {
                await _loop.ConfigureAwait(false);
            }
            finally
            {
                // Even if the loop ended with an exception: the queue is still drained and counted, and the pool and
                // the body buffer are given back, or every exporter that failed so would hold them for good.
                _wake?.Dispose();

                // Flag first, then drain: a producer that added a span before seeing the flag has it drained here, one
                // that sees the flag drains it itself.
                Interlocked.Exchange(ref _drained, 1);
                SettleLeftovers();

                FragmentPool.RemoveQueueCapacity(Destination.MaxQueueSize);
                _body.Dispose();
            }
        }
    }

    /// <summary>
    /// Settles what the queue still holds once the loop has ended: a span the exporter that replaced this one takes is
    /// handed to it (counted here as handed over; there, as offered again), the rest is dropped and counted. Each span
    /// is taken from the queue by exactly one drain, so it is settled and released once. A drain runs only once
    /// <see cref="_drained"/> is set, which the shutdown does after setting <see cref="_closed"/>: it sees the
    /// replacement linked before that.
    /// </summary>
    private void SettleLeftovers()
    {
        long dropped = 0;
        while (TakeLeftover(out SpanFragment? fragment))
        {
            if (ReplacementTaking(fragment) is { } replacement)
            {
                // Before this queue's reference is released: the replacement takes its own first, so the fragment
                // cannot go back to its pool (and be reused) in between.
                replacement.TryEnqueue(fragment);
                _counters.HandOver(1);
            }
            else
            {
                _counters.Drop(DropReason.Shutdown, 1, wasAccepted: true);
                dropped++;
            }

            Release(fragment);
        }

        if (dropped > 0)
        {
            NotifyDropped(DropReason.Shutdown, dropped);
        }
    }

    /// <summary>Takes the next span left in the queue. The lock keeps the drains (the shutdown's, a late producer's)
    /// to one consumer at a time; it is taken for one span at a time so that no lock is held while a span is handed
    /// over, which may drain the replacement's queue and call its listener.</summary>
    private bool TakeLeftover([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpanFragment? fragment)
    {
        lock (_drainLock)
        {
            return _queue.TryTake(out fragment);
        }
    }

    /// <summary>Shuts down with <see cref="DefaultShutdownTimeout"/>.</summary>
    public async ValueTask DisposeAsync() => await ShutdownAsync(DefaultShutdownTimeout).ConfigureAwait(false);

    private async Task RunAsync()
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            if (!FlushRequested() && _queue.Count < _wakeThreshold)
            {
                // Woken by a full batch, a flush or the shutdown; or the scheduled delay passed.
                TimeSpan delay = Destination.ScheduledDelay == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : Destination.ScheduledDelay;
                if (_threadWake is { } threadWake)
                {
                    threadWake.Wait(delay);
                }
                else
                {
                    await _wake!.WaitAsync(delay).ConfigureAwait(false);
                }
            }

            Volatile.Write(ref _wakePending, 0);
            while (!stopping.IsCancellationRequested && TakeBatch())
            {
                await ExportBatchAsync(stopping).ConfigureAwait(false);
                ReleaseBatch();

                // A waiting flush is woken when its spans are settled, not after every batch: each wake-up is a
                // thread-pool hop (and the idle spinning that follows it) while a long backlog drains. Once the queue
                // is empty, below, every waiter is woken.
                if (SettledAndReleased(Volatile.Read(ref _nearestFlushWait)))
                {
                    SignalProgress();
                }
            }

            SignalProgress();
        }

        // Stopped mid-batch: what was taken but not sent is dropped, and counted.
        if (_batch.Count > 0)
        {
            int count = _batch.Count;
            ReleaseBatch();
            _counters.Drop(DropReason.Shutdown, count, wasAccepted: true);
            NotifyDropped(DropReason.Shutdown, count);
        }

        SignalProgress();
    }

    /// <summary>Takes the next batch: up to the span limit and within the byte limit. Spans too large on their own
    /// are dropped here.</summary>
    private bool TakeBatch()
    {
        long cost = 0;
        while (_batch.Count < Destination.MaxExportBatchSize && _queue.TryPeek(out SpanFragment? next))
        {
            long nextCost = _envelope.SpanCost(next.Length);
            if (_envelope.MeasureBody(1, nextCost) > Destination.MaxBatchBytes)
            {
                // Read the length first: once released, the fragment may be empty or already reused by another span.
                int length = next.Length;
                _queue.TryTake(out _);
                Release(next);
                _counters.Drop(DropReason.TooLarge, 1, wasAccepted: true);
                string error = $"a span of {length} bytes is larger than the batch limit of {Destination.MaxBatchBytes} bytes";
                _counters.RecordError(error, _services.TimeProvider.GetUtcNow());
                NotifyFailed(error, willRetry: false);
                NotifyDropped(DropReason.TooLarge, 1);
                continue;
            }

            if (_envelope.MeasureBody(_batch.Count + 1, cost + nextCost) > Destination.MaxBatchBytes)
            {
                break;
            }

            _queue.TryTakeDeferred(out _);
            _batch.Add(next);
            cost += nextCost;
        }

        // The batch's places in the queue, given back at once: while a batch is taken (at most its span limit), the
        // queue reads that much fuller to recording threads. A span dropped as too large gives its place back at once.
        _queue.CountTaken();
        return _batch.Count > 0;
    }

    /// <summary>Sends the batch taken. Whatever it throws is caught here: the loop is the destination's only sender,
    /// and if it ended, spans would still be accepted and never sent, and every flush would fail.</summary>
    private async Task ExportBatchAsync(CancellationToken stopping)
    {
        // Only this loop settles spans while it runs, so what settled since is the part of the batch already settled.
        long settledBefore = _counters.SettledCount;
        try
        {
            long deadline = DeadlineAfter(Destination.ExportTimeout);
            await ExportAsync(0, _batch.Count, deadline, stopping).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The transport turns the HTTP stack's failures into results, so this is a fault of the exporter itself.
            // What of the batch is not settled yet (a split half may be) is dropped and counted, and the loop goes on.
            long unsettled = _batch.Count - (_counters.SettledCount - settledBefore);
            bool stopped = exception is OperationCanceledException && stopping.IsCancellationRequested;
            Settle(
                stopped ? DropReason.Shutdown : DropReason.ExportFault,
                (int)Math.Clamp(unsettled, 0, _batch.Count),
                stopped ? "the batch was dropped: the exporter stopped while sending it" : $"the batch was dropped: {_transport.DescribeUnexpected(exception)}");
        }
    }

    /// <summary>Sends <c>_batch[start..start+count]</c> with retries; a 413 splits it in halves. The halves share the
    /// batch's deadline: the export timeout bounds the whole batch, splits and retries included.</summary>
    private async Task ExportAsync(int start, int count, long deadline, CancellationToken stopping)
    {
        TimeProvider time = _services.TimeProvider;
        _body.Clear();

        // The whole batch as it is (a split half as a copy): GetRange would copy every batch.
        _envelope.Write(_body, start == 0 && count == _batch.Count ? _batch : _batch.GetRange(start, count));
        ReadOnlyMemory<byte> body = _body.WrittenMemory;

        for (int attempt = 1; ; attempt++)
        {
            TimeSpan remaining = Remaining(deadline);
            if (remaining <= TimeSpan.Zero)
            {
                Settle(DropReason.RetriesExhausted, count, "the export timeout passed before the batch was accepted");
                return;
            }

            ExportResult result;
            try
            {
                _counters.Request(isRetry: attempt > 1);
                result = OnOwnThread
                    ? _transport.Send(body, Min(Destination.Timeout, remaining), stopping)
                    : await _transport.SendAsync(body, Min(Destination.Timeout, remaining), stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                Settle(DropReason.Shutdown, count, "the exporter shut down while sending");
                return;
            }

            switch (result.Outcome)
            {
                case ExportOutcome.Success:
                    long rejected = Math.Min(result.RejectedSpans, count);
                    _counters.Delivered(count - rejected, rejected, time.GetUtcNow());
                    if (rejected > 0)
                    {
                        string error = $"the backend rejected {rejected} of {count} spans: {result.Message}";
                        _counters.RecordError(error, time.GetUtcNow());
                        NotifyFailed(error, willRetry: false);
                    }
                    else if (result.AnswerUnread)
                    {
                        // Accepted, so not sent again; but a partial success may be hidden in what could not be read.
                        string error = $"the backend accepted {count} spans, but its answer could not be read: {result}";
                        _counters.RecordError(error, time.GetUtcNow());
                        NotifyWarning(error);
                    }
                    else if (result.Message is { Length: > 0 } warning)
                    {
                        // A partial success that rejects nothing is the backend's warning (the OTLP specification):
                        // heard, but neither an error nor a reason to send again.
                        NotifyWarning($"the backend accepted all {count} spans with a warning: {warning}");
                    }

                    return;

                case ExportOutcome.TooLarge when count > 1:
                    int half = count / 2;
                    await ExportAsync(start, half, deadline, stopping).ConfigureAwait(false);
                    await ExportAsync(start + half, count - half, deadline, stopping).ConfigureAwait(false);
                    return;

                case ExportOutcome.TooLarge:
                    Settle(DropReason.TooLarge, count, result.ToString());
                    return;

                case ExportOutcome.Final:
                    Settle(DropReason.FinalHttpError, count, result.ToString());
                    return;

                case ExportOutcome.Refused:
                    Settle(DropReason.AddressRefused, count, result.ToString());
                    return;
            }

            // Retryable.
            TimeSpan delay = result.RetryAfter ?? RetryPolicy.Backoff(attempt, Destination.InitialBackoff, Destination.MaxBackoff, Random.Shared.NextDouble());
            if (attempt >= Destination.MaxAttempts || delay >= Remaining(deadline))
            {
                Settle(DropReason.RetriesExhausted, count, $"{result} (gave up after {attempt} attempt{(attempt == 1 ? "" : "s")})");
                return;
            }

            _counters.RecordError(result.ToString(), time.GetUtcNow());
            NotifyFailed(result.ToString(), willRetry: true);
            try
            {
                Task waiting = Task.Delay(delay, time, stopping);
                if (OnOwnThread)
                {
                    waiting.GetAwaiter().GetResult();
                }
                else
                {
                    await waiting.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                Settle(DropReason.Shutdown, count, "the exporter shut down while waiting to retry");
                return;
            }
        }
    }

    private void Settle(DropReason reason, int count, string error)
    {
        _counters.Drop(reason, count, wasAccepted: true);
        _counters.RecordError(error, _services.TimeProvider.GetUtcNow());
        NotifyFailed(error, willRetry: false);
        NotifyDropped(reason, count);
    }

    private void NotifyFailed(string error, bool willRetry)
    {
        try
        {
            _services.Events?.ExportFailed(Destination.Name, error, willRetry);
        }
        catch (Exception)
        {
            // A listener's failure must not stop the export loop.
        }
    }

    private void NotifyWarning(string warning)
    {
        try
        {
            _services.Events?.ExportWarning(Destination.Name, warning);
        }
        catch (Exception)
        {
            // A listener's failure must not stop the export loop.
        }
    }

    private void NotifyDropped(DropReason reason, long count)
    {
        try
        {
            _services.Events?.SpansDropped(Destination.Name, reason, count);
        }
        catch (Exception)
        {
            // A listener's failure must not stop the export loop or reach the recording thread.
        }
    }

    /// <summary>The rule of every timeout a caller gives: zero or more, or <see cref="Timeout.InfiniteTimeSpan"/> for
    /// none. Other negative values are refused rather than read as "already passed", which dropped a whole queue.</summary>
    internal static void ValidateTimeout(TimeSpan timeout, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(timeout))] string? name = null)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, timeout, "A timeout must be zero or more, or Timeout.InfiniteTimeSpan to wait without one.");
        }
    }

    /// <summary>The timestamp when <paramref name="timeout"/> from now has passed, or <see cref="NoDeadline"/> for
    /// <see cref="Timeout.InfiniteTimeSpan"/> and for a timeout beyond what a timestamp can count (the sum would
    /// overflow into the past).</summary>
    private long DeadlineAfter(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return NoDeadline;
        }

        long now = _services.TimeProvider.GetTimestamp();
        double length = timeout.TotalSeconds * _services.TimeProvider.TimestampFrequency;
        return length >= NoDeadline - now ? NoDeadline : now + (long)length;
    }

    /// <summary>The time left until <paramref name="deadline"/>; <see cref="TimeSpan.MaxValue"/> when there is none
    /// (or more than a TimeSpan can hold).</summary>
    private TimeSpan Remaining(long deadline)
    {
        if (deadline == NoDeadline)
        {
            return TimeSpan.MaxValue;
        }

        double ticks = (deadline - _services.TimeProvider.GetTimestamp()) * ((double)TimeSpan.TicksPerSecond / _services.TimeProvider.TimestampFrequency);
        return ticks >= TimeSpan.MaxValue.Ticks / 2 ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Whether the first <paramref name="target"/> accepted spans were settled and released.</summary>
    private bool SettledAndReleased(long target) => _counters.SettledCount >= target && Volatile.Read(ref _released) >= target;

    /// <summary>Drops the exporter's reference to a fragment it took.</summary>
    private void Release(SpanFragment fragment)
    {
        fragment.Release();
        Interlocked.Increment(ref _released);
    }

    private void ReleaseBatch()
    {
        foreach (SpanFragment fragment in _batch)
        {
            fragment.Release();
        }

        Interlocked.Add(ref _released, _batch.Count);
        _batch.Clear();
    }

    private bool FlushRequested() => _counters.SettledCount + _batch.Count < Volatile.Read(ref _flushTarget);

    /// <summary>Wakes the loop once until it wakes up (on the request thread when a batch is full: allocates
    /// nothing).</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            SetWake();
        }
    }

    private void SetWake()
    {
        if (_threadWake is { } threadWake)
        {
            threadWake.Set();
        }
        else
        {
            _wake!.Set();
        }
    }

    private void SignalProgress()
    {
        TaskCompletionSource previous = Interlocked.Exchange(ref _progress, NewProgress());
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Notes the target of a flush that waits, so that the loop wakes it when that target is reached.</summary>
    private void AddFlushWait(long target)
    {
        lock (_flushWaits)
        {
            _flushWaits.Add(target);
            Volatile.Write(ref _nearestFlushWait, Math.Min(_nearestFlushWait, target));
        }
    }

    private void RemoveFlushWait(long target)
    {
        lock (_flushWaits)
        {
            _flushWaits.Remove(target);
            Volatile.Write(ref _nearestFlushWait, _flushWaits.Count == 0 ? long.MaxValue : _flushWaits.Min());
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        long current = Volatile.Read(ref location);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

namespace OtlpBroadcast.Export;

/// <summary>The thread-safe counters behind <see cref="DestinationStatistics"/>.</summary>
internal sealed class ExportCounters
{
    private readonly long[] _dropped = new long[Enum.GetValues<DropReason>().Length];
    private readonly Lock _errorLock = new();
    private long _offered;
    private long _accepted;
    private long _exported;
    private long _rejected;
    private long _handedOver;
    private long _settled;
    private long _requests;
    private long _retries;
    private long _truncatedValues;
    private long _droppedAttributes;
    private long _lastSuccessTicks;
    private string? _lastError;
    private DateTimeOffset? _lastErrorTime;

    public long AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>Accepted spans that reached an end: exported, rejected, handed over or dropped after acceptance.</summary>
    public long SettledCount => Volatile.Read(ref _settled);

    public void Accept(int count = 1)
    {
        Interlocked.Add(ref _offered, count);
        Interlocked.Add(ref _accepted, count);
    }

    public void Request(bool isRetry)
    {
        Interlocked.Increment(ref _requests);
        if (isRetry)
        {
            Interlocked.Increment(ref _retries);
        }
    }

    /// <summary>Counts values cut and attributes left out by the limits in the spans offered.</summary>
    public void Limited(long truncatedValues, long droppedAttributes)
    {
        if (truncatedValues > 0)
        {
            Interlocked.Add(ref _truncatedValues, truncatedValues);
        }

        if (droppedAttributes > 0)
        {
            Interlocked.Add(ref _droppedAttributes, droppedAttributes);
        }
    }

    public void Delivered(long exported, long rejected, DateTimeOffset now)
    {
        Interlocked.Add(ref _exported, exported);
        Interlocked.Add(ref _rejected, rejected);
        Interlocked.Add(ref _settled, exported + rejected);
        Volatile.Write(ref _lastSuccessTicks, now.UtcTicks);
    }

    /// <summary>Counts accepted spans passed on to the exporter that replaced this one: they are settled here, and
    /// counted again (offered, accepted, sent or dropped) there.</summary>
    public void HandOver(long count)
    {
        Interlocked.Add(ref _handedOver, count);
        Interlocked.Add(ref _settled, count);
    }

    /// <summary>Counts dropped spans; <paramref name="wasAccepted"/> when they had been taken into the queue.</summary>
    public void Drop(DropReason reason, long count, bool wasAccepted)
    {
        if (!wasAccepted)
        {
            // Offered before dropped: a snapshot that sees the drop sees the offer too (see Snapshot).
            Interlocked.Add(ref _offered, count);
        }

        Interlocked.Add(ref _dropped[(int)reason], count);
        if (wasAccepted)
        {
            Interlocked.Add(ref _settled, count);
        }
    }

    public void RecordError(string error, DateTimeOffset now)
    {
        lock (_errorLock)
        {
            _lastError = error;
            _lastErrorTime = now;
        }
    }

    /// <summary>
    /// The counters as one snapshot in which <c>Offered = Exported + Rejected + HandedOver + DroppedTotal + Pending</c>
    /// holds, also while spans move: the ends (exported, rejected, handed over, dropped) are read first and Offered last, and every span was
    /// counted as offered before it could reach an end, so Offered covers every end read before it; Pending is the
    /// rest (queued, in flight, or about to be counted as dropped).
    /// </summary>
    public DestinationStatistics Snapshot(string destination, bool sendsFromOwnThread)
    {
        long exported = Volatile.Read(ref _exported);
        long rejected = Volatile.Read(ref _rejected);
        long handedOver = Volatile.Read(ref _handedOver);
        var dropped = new Dictionary<DropReason, long>();
        long droppedTotal = 0;
        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            long count = Volatile.Read(ref _dropped[(int)reason]);
            dropped[reason] = count;
            droppedTotal += count;
        }

        long offered = Volatile.Read(ref _offered);

        string? lastError;
        DateTimeOffset? lastErrorTime;
        lock (_errorLock)
        {
            lastError = _lastError;
            lastErrorTime = _lastErrorTime;
        }

        long lastSuccess = Volatile.Read(ref _lastSuccessTicks);
        return new DestinationStatistics
        {
            Destination = destination,
            Offered = offered,
            Accepted = AcceptedCount,
            Exported = exported,
            Rejected = rejected,
            HandedOver = handedOver,
            Dropped = dropped,
            Pending = offered - exported - rejected - handedOver - droppedTotal,
            Requests = Volatile.Read(ref _requests),
            Retries = Volatile.Read(ref _retries),
            TruncatedValues = Volatile.Read(ref _truncatedValues),
            DroppedAttributes = Volatile.Read(ref _droppedAttributes),
            LastError = lastError,
            LastErrorTime = lastErrorTime,
            LastSuccessTime = lastSuccess == 0 ? null : new DateTimeOffset(lastSuccess, TimeSpan.Zero),
            SendsFromOwnThread = sendsFromOwnThread,
        };
    }
}

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
    private long _settled;
    private long _requests;
    private long _retries;
    private long _truncatedValues;
    private long _droppedAttributes;
    private long _lastSuccessTicks;
    private string? _lastError;
    private DateTimeOffset? _lastErrorTime;

    public long AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>Accepted spans that reached an end: exported, rejected or dropped after acceptance.</summary>
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

    /// <summary>Counts dropped spans; <paramref name="wasAccepted"/> when they had been taken into the queue.</summary>
    public void Drop(DropReason reason, long count, bool wasAccepted)
    {
        Interlocked.Add(ref _dropped[(int)reason], count);
        if (wasAccepted)
        {
            Interlocked.Add(ref _settled, count);
        }
        else
        {
            Interlocked.Add(ref _offered, count);
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

    public DestinationStatistics Snapshot(string destination)
    {
        var dropped = new Dictionary<DropReason, long>();
        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            dropped[reason] = Volatile.Read(ref _dropped[(int)reason]);
        }

        string? lastError;
        DateTimeOffset? lastErrorTime;
        lock (_errorLock)
        {
            lastError = _lastError;
            lastErrorTime = _lastErrorTime;
        }

        long accepted = AcceptedCount;
        long lastSuccess = Volatile.Read(ref _lastSuccessTicks);
        return new DestinationStatistics
        {
            Destination = destination,
            Offered = Volatile.Read(ref _offered),
            Accepted = accepted,
            Exported = Volatile.Read(ref _exported),
            Rejected = Volatile.Read(ref _rejected),
            Dropped = dropped,
            Pending = Math.Max(0, accepted - SettledCount),
            Requests = Volatile.Read(ref _requests),
            Retries = Volatile.Read(ref _retries),
            TruncatedValues = Volatile.Read(ref _truncatedValues),
            DroppedAttributes = Volatile.Read(ref _droppedAttributes),
            LastError = lastError,
            LastErrorTime = lastErrorTime,
            LastSuccessTime = lastSuccess == 0 ? null : new DateTimeOffset(lastSuccess, TimeSpan.Zero),
        };
    }
}

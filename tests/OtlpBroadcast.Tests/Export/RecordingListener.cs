using System.Collections.Concurrent;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

/// <summary>Keeps every export event; optionally throws after recording it (a listener's failure must be swallowed).</summary>
internal sealed class RecordingListener : IExportEventListener
{
    public ConcurrentQueue<(string Destination, string Error, bool WillRetry)> Failures { get; } = new();

    public ConcurrentQueue<(string Destination, DropReason Reason, long Count)> Drops { get; } = new();

    public ConcurrentQueue<(string Destination, string Warning)> Warnings { get; } = new();

    public bool Throw { get; init; }

    /// <summary>Called on the exporter's thread after a drop is recorded, before the exporter goes on.</summary>
    public Action<DropReason>? OnDrop { get; init; }

    public void ExportFailed(string destination, string error, bool willRetry)
    {
        Failures.Enqueue((destination, error, willRetry));
        if (Throw)
        {
            throw new InvalidOperationException("listener failure");
        }
    }

    public void ExportWarning(string destination, string warning)
    {
        Warnings.Enqueue((destination, warning));
        if (Throw)
        {
            throw new InvalidOperationException("listener failure");
        }
    }

    public void SpansDropped(string destination, DropReason reason, long count)
    {
        Drops.Enqueue((destination, reason, count));
        OnDrop?.Invoke(reason);
        if (Throw)
        {
            throw new InvalidOperationException("listener failure");
        }
    }
}

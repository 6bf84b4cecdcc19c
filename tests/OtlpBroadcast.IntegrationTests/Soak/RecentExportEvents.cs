using System.Globalization;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>Export failures and drops with their times (the last 20,000), to explain a failed accounting check.</summary>
internal sealed class RecentExportEvents : IExportEventListener
{
    private const int Kept = 20_000;
    private readonly Queue<(DateTimeOffset At, string Text)> _events = new();

    public void ExportFailed(string destination, string error, bool willRetry)
        => Add($"{destination}: {error}{(willRetry ? " (will retry)" : "")}");

    public void SpansDropped(string destination, DropReason reason, long count)
        => Add(string.Create(CultureInfo.InvariantCulture, $"{destination}: {count} dropped, {reason}"));

    /// <summary>The events from <paramref name="from"/> to <paramref name="to"/>, one a line.</summary>
    public string Between(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_events)
        {
            return string.Join("\n", _events.Where(e => e.At >= from && e.At <= to).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.At:HH:mm:ss.fff} {e.Text}")));
        }
    }

    /// <summary>The events around the requests of <paramref name="examples"/>.</summary>
    public string Around(IEnumerable<OtlpBroadcast.Testing.ResentSpan> examples)
        => string.Join("\n---\n", examples.Select(e => Between(e.ConfirmedBy.ReceivedAt.AddSeconds(-1), e.ReceivedAgainIn.ReceivedAt.AddSeconds(3))));

    private void Add(string text)
    {
        lock (_events)
        {
            if (_events.Count == Kept)
            {
                _events.Dequeue();
            }

            _events.Enqueue((DateTimeOffset.UtcNow, text));
        }
    }
}

using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Shared;

/// <summary>
/// Collects everything a flow produces that people may read — the message of every exception thrown anywhere in the
/// process while the scan runs (first-chance, so also those caught and swallowed), every export event, every log line
/// and result text the test adds — and asserts that no canary secret appears in any of it. A failure names where the
/// canary appeared, never the text around it. Shared by the test projects (linked, not copied).
/// </summary>
internal sealed class CanaryScan : IExportEventListener, IDisposable
{
    private readonly string[] _canaries;
    private readonly ConcurrentQueue<(string Where, string Text)> _texts = new();
    private int _exceptions;
    private int _events;

    /// <summary>Starts collecting exceptions thrown in the process.</summary>
    public CanaryScan(params string[] canaries)
    {
        if (canaries.Length == 0 || canaries.Any(c => c.Length < 8))
        {
            throw new ArgumentException("Canaries of at least 8 characters are needed.", nameof(canaries));
        }

        _canaries = canaries;
        AppDomain.CurrentDomain.FirstChanceException += OnException;
    }

    /// <summary>Exceptions seen so far (to check a flow really went through failure paths).</summary>
    public int Exceptions => Volatile.Read(ref _exceptions);

    /// <summary>Export events seen so far.</summary>
    public int Events => Volatile.Read(ref _events);

    /// <summary>Texts collected so far.</summary>
    public int Texts => _texts.Count;

    /// <summary>Adds a text someone may read (a result, a listing, a log line, an HTTP answer).</summary>
    public void Add(string where, string? text)
    {
        if (text is not null)
        {
            _texts.Enqueue((where, text));
        }
    }

    public void ExportFailed(string destination, string error, bool willRetry)
    {
        Interlocked.Increment(ref _events);
        Add($"export event ExportFailed of {destination}", error);
    }

    public void ExportWarning(string destination, string warning)
    {
        Interlocked.Increment(ref _events);
        Add($"export event ExportWarning of {destination}", warning);
    }

    public void SpansDropped(string destination, DropReason reason, long count)
    {
        Interlocked.Increment(ref _events);
        Add($"export event SpansDropped of {destination}", $"{count} {reason}");
    }

    /// <summary>Fails when a canary appears anywhere, naming where (never the text).</summary>
    public void AssertNoCanary()
    {
        List<string> leaks = [.. _texts
            .Where(t => _canaries.Any(c => t.Text.Contains(c, StringComparison.Ordinal)))
            .Select(t => t.Where)
            .Distinct()];
        Assert.True(leaks.Count == 0, "a canary secret appears in: " + string.Join("; ", leaks));
    }

    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnException;

    private void OnException(object? sender, FirstChanceExceptionEventArgs e)
    {
        Interlocked.Increment(ref _exceptions);
        _texts.Enqueue(($"the message of a {e.Exception.GetType().FullName}", e.Exception.Message));
    }
}

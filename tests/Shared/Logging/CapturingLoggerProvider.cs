using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OtlpBroadcast.Tests.Shared;

/// <summary>Keeps every log entry, at every level, with its message and its structured values. Shared by the test
/// projects that host (linked, not copied).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Everything logged, as one text: messages, structured values and exceptions.</summary>
    public string AllText() => string.Join("\n", Entries.Select(e => e.ToString()));

    internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyList<KeyValuePair<string, object?>> Values, Exception? Exception)
    {
        public override string ToString()
            => $"{Category} {Level} {EventId.Name}: {Message} [{string.Join(", ", Values.Select(v => $"{v.Key}={v.Value}"))}] {Exception}";
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            IReadOnlyList<KeyValuePair<string, object?>> values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            provider.Entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), [.. values], exception));
        }
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Hosting;

/// <summary>
/// Starts the exporters with the host, and after every other hosted service has stopped (so that spans recorded
/// while requests drained are included) sends what is queued within <see cref="OtlpBroadcastOptions.ShutdownTimeout"/>,
/// then stops the exporters, dropping and counting what is left.
/// </summary>
internal sealed class OtlpBroadcastLifetime(
    DestinationRegistry registry, IOptions<OtlpBroadcastOptions> options, ILoggerFactory? loggerFactory = null) : IHostedLifecycleService
{
    private readonly ILogger _logger = loggerFactory?.CreateLogger(OtlpBroadcastLog.Category) ?? NullLogger.Instance;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        TimeSpan timeout = options.Value.ShutdownTimeout;
        long start = Stopwatch.GetTimestamp();
        bool flushed;
        try
        {
            flushed = await registry.FlushAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's own shutdown deadline passed first.
            flushed = false;
        }

        if (!flushed)
        {
            OtlpBroadcastLog.FlushTimedOut(_logger, timeout);
        }

        // No deadline stays no deadline: subtracting from -1 ms would make it "already passed" and drop the queue. The
        // choice is made on the configured value: a finite timeout overrun by exactly 1 ms computes to -1 ms too, and
        // must mean "passed", not "wait forever".
        TimeSpan remaining = timeout == Timeout.InfiniteTimeSpan
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromTicks(Math.Max(0, (timeout - Stopwatch.GetElapsedTime(start)).Ticks));
        if (cancellationToken.IsCancellationRequested)
        {
            remaining = TimeSpan.Zero;
        }

        IReadOnlyList<DestinationExporter> exporters = registry.Exporters;
        await Task.WhenAll(exporters.Select(e => e.ShutdownAsync(remaining))).ConfigureAwait(false);
        foreach (DestinationExporter exporter in exporters)
        {
            DestinationStatistics stats = exporter.GetStatistics();
            OtlpBroadcastLog.DestinationStopped(_logger, stats.Destination, stats.Exported, stats.Rejected, stats.DroppedTotal);
        }
    }
}

using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Hosting;

/// <summary>
/// The health of every destination: Degraded when a destination's last error is newer than its last success (or it
/// never succeeded), Healthy otherwise. The data holds each destination's counters under <c>{name}.{counter}</c>.
/// Telemetry never fails the application, so a destination is at worst Degraded.
/// </summary>
public sealed class OtlpBroadcastHealthCheck(DestinationRegistry registry) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var degraded = new List<string>();
        IReadOnlyList<DestinationInfo> destinations = registry.List();
        foreach (DestinationInfo destination in destinations)
        {
            DestinationStatistics stats = destination.Statistics;
            bool failing = destination.Enabled && IsFailing(stats);
            string prefix = destination.Name + ".";
            data[prefix + "status"] = !destination.Enabled ? "disabled" : failing ? "degraded" : "healthy";
            data[prefix + "exported"] = stats.Exported;
            data[prefix + "rejected"] = stats.Rejected;
            data[prefix + "dropped"] = stats.DroppedTotal;
            data[prefix + "pending"] = stats.Pending;
            data[prefix + "requests"] = stats.Requests;
            data[prefix + "retries"] = stats.Retries;
            if (stats.LastError is not null)
            {
                data[prefix + "lastError"] = stats.LastError;
            }

            if (stats.LastErrorTime is { } errorTime)
            {
                data[prefix + "lastErrorTime"] = errorTime.ToString("O", CultureInfo.InvariantCulture);
            }

            if (stats.LastSuccessTime is { } successTime)
            {
                data[prefix + "lastSuccessTime"] = successTime.ToString("O", CultureInfo.InvariantCulture);
            }

            if (failing)
            {
                degraded.Add($"{destination.Name}: {stats.LastError}");
            }
        }

        int disabled = destinations.Count(d => !d.Enabled);
        string disabledNote = disabled > 0 ? $", {disabled} disabled" : "";
        HealthCheckResult result = degraded.Count > 0
            ? HealthCheckResult.Degraded($"OTLP destinations failing: {string.Join("; ", degraded)}", data: data)
            : HealthCheckResult.Healthy(destinations.Count == 0 ? "No OTLP destinations." : $"{destinations.Count - disabled} OTLP destination(s) healthy{disabledNote}.", data);
        return Task.FromResult(result);
    }

    private static bool IsFailing(DestinationStatistics stats)
        => stats.LastErrorTime is { } error && (stats.LastSuccessTime is not { } success || error > success);
}

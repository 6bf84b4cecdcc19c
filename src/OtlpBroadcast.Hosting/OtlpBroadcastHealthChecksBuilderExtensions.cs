using Microsoft.Extensions.Diagnostics.HealthChecks;
using OtlpBroadcast.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the OtlpBroadcast destinations' health to the application's health checks.</summary>
public static class OtlpBroadcastHealthChecksBuilderExtensions
{
    /// <summary>Adds <see cref="OtlpBroadcastHealthCheck"/> (requires <c>AddOtlpBroadcast</c>).</summary>
    public static IHealthChecksBuilder AddOtlpBroadcast(
        this IHealthChecksBuilder builder, string name = "otlp-broadcast", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<OtlpBroadcastHealthCheck>(name, failureStatus: HealthStatus.Degraded, tags: tags ?? []);
    }
}

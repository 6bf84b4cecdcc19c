using System.Globalization;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// How long the soak and outage tests run. Without <see cref="SecondsVariable"/> they run the short CI profile; with
/// it, the soak records for that many seconds and the outage keeps the destination down for that long.
/// </summary>
internal sealed record SoakProfile(string Name, TimeSpan Load, TimeSpan Outage, int Producers, int GenerationsPerSecond)
{
    /// <summary>Seconds of load (and of outage) for the long profile, e.g. <c>OTLPBROADCAST_SOAK_SECONDS=600</c>.</summary>
    public const string SecondsVariable = "OTLPBROADCAST_SOAK_SECONDS";

    /// <summary>Where to append the figures as Markdown, besides the test output (optional).</summary>
    public const string ReportVariable = "OTLPBROADCAST_SOAK_REPORT";

    /// <summary>About 20 s of load and 8 s of outage: what CI runs on every push.</summary>
    public static readonly SoakProfile Ci = new("ci", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(8), Producers: 4, GenerationsPerSecond: 40);

    public static SoakProfile Current { get; } = FromEnvironment(Environment.GetEnvironmentVariable(SecondsVariable));

    public static SoakProfile FromEnvironment(string? seconds)
    {
        if (string.IsNullOrWhiteSpace(seconds))
        {
            return Ci;
        }

        if (!int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
        {
            throw new InvalidOperationException($"{SecondsVariable} must be a whole number of seconds, at least 1; it is '{seconds}'.");
        }

        return Ci with { Name = $"long ({value} s)", Load = TimeSpan.FromSeconds(value), Outage = TimeSpan.FromSeconds(value) };
    }
}

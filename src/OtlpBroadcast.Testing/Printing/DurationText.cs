using System.Globalization;

namespace OtlpBroadcast.Testing;

/// <summary>Durations in the largest unit that keeps them above 1, so a glance tells ms from s.</summary>
internal static class DurationText
{
    public static string Format(long nanoseconds)
    {
        var sign = nanoseconds < 0 ? "-" : "";
        var magnitude = Math.Abs((decimal)nanoseconds);
        var (value, unit) = magnitude switch
        {
            < 1_000m => (magnitude, "ns"),
            < 1_000_000m => (magnitude / 1_000m, "us"),
            < 1_000_000_000m => (magnitude / 1_000_000m, "ms"),
            _ => (magnitude / 1_000_000_000m, "s"),
        };
        return sign + value.ToString("0.###", CultureInfo.InvariantCulture) + " " + unit;
    }
}

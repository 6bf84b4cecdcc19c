using System.Globalization;
using System.Text;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using Xunit.Abstractions;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>Figures of a soak or outage run as Markdown: printed to the test output and, when
/// <see cref="SoakProfile.ReportVariable"/> names a file, appended to it (docs/reliability.md keeps them).</summary>
internal sealed class SoakReport(string title, SoakProfile profile)
{
    private readonly StringBuilder _text = new();

    public SoakReport Line(string line)
    {
        _text.Append(line).Append('\n');
        return this;
    }

    public SoakReport Fact(string name, string value) => Line($"| {name} | {value} |");

    /// <summary>One row per destination: what it was offered and what became of it, against what its receiver saw.</summary>
    public SoakReport Destinations(IReadOnlyList<(string Name, string Kind, DestinationStatistics Stats, FaultReceiverSummary Receiver)> rows)
    {
        Line("| destination | recorded | exported | rejected | dropped, by reason | stored (unique) | stored, answer lost, counted dropped or rejected | extra copies stored (after a lost answer) | requests sent / received | retries |");
        Line("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach ((string name, string kind, DestinationStatistics stats, FaultReceiverSummary receiver) in rows)
        {
            Line(Invariant($"| {name} ({kind}) | {stats.Offered:N0} | {stats.Exported:N0} | {stats.Rejected:N0} | {Drops(stats)} | {receiver.StoredUnique:N0} | {receiver.StoredOnLostAnswersOnly:N0} | {receiver.DuplicateStores:N0} | {stats.Requests:N0} / {receiver.Requests:N0} | {stats.Retries:N0} |"));
        }

        Line("");
        Line("| destination | faults met by the requests it sent |");
        Line("| --- | --- |");
        foreach ((string name, _, _, FaultReceiverSummary receiver) in rows)
        {
            Line($"| {name} | {string.Join(", ", receiver.RequestsByFault.Where(f => f.Value > 0).Select(f => Invariant($"{f.Key} {f.Value}")))} |");
        }

        return this;
    }

    public void Publish(ITestOutputHelper output)
    {
        string header = $"### {title}: profile {profile.Name}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}\n\n";
        string text = header + _text;
        output.WriteLine(text);
        if (Environment.GetEnvironmentVariable(SoakProfile.ReportVariable) is { Length: > 0 } path)
        {
            File.AppendAllText(path, text + "\n");
        }
    }

    public static string Drops(DestinationStatistics stats)
    {
        string[] parts = [.. stats.Dropped.Where(d => d.Value > 0).Select(d => Invariant($"{d.Key} {d.Value:N0}"))];
        return parts.Length == 0 ? "none" : string.Join(", ", parts);
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static string Megabytes(long bytes) => Invariant($"{bytes / (1024.0 * 1024.0):0.0} MiB");

    /// <summary>The value at <paramref name="fraction"/> of sorted <paramref name="values"/> (nearest rank).</summary>
    public static double Percentile(double[] values, double fraction)
        => values.Length == 0 ? double.NaN : values[Math.Clamp((int)Math.Ceiling(fraction * values.Length) - 1, 0, values.Length - 1)];

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}

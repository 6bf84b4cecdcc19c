using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>
/// Compares generated sources with checked-in files under <c>Baselines/&lt;case&gt;/&lt;hint name&gt;</c>.
/// Set the environment variable <c>OTLPBROADCAST_UPDATE_BASELINES=1</c> to rewrite them from the current output
/// (then review the diff). A mismatch fails with the first differing line and leaves a <c>.received.cs</c> file
/// beside the baseline.
/// </summary>
internal static class Baseline
{
    public const string UpdateVariable = "OTLPBROADCAST_UPDATE_BASELINES";
    private const string VersionPlaceholder = "%VERSION%";

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    public static void Verify(string caseName, GeneratorDriverRunResult result, [CallerFilePath] string callerPath = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(callerPath)!, "Baselines", caseName);
        GeneratedSourceResult[] sources = result.Results.SelectMany(r => r.GeneratedSources)
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .ToArray();
        Assert.NotEmpty(sources);

        if (Updating)
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.CreateDirectory(folder);
            foreach (GeneratedSourceResult source in sources)
            {
                File.WriteAllText(Path.Combine(folder, source.HintName), Normalize(source.SourceText.ToString()), new UTF8Encoding(false));
            }

            return;
        }

        var expectedFiles = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.cs").Where(f => !f.EndsWith(".received.cs", StringComparison.Ordinal)).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (GeneratedSourceResult source in sources)
        {
            string path = Path.Combine(folder, source.HintName);
            string actual = Normalize(source.SourceText.ToString());
            if (!expectedFiles.Remove(source.HintName))
            {
                Fail(path, actual, $"No baseline for generated file {source.HintName} of case {caseName}; run the tests with {UpdateVariable}=1 to create it.");
            }

            CompareLines(path, Normalize(File.ReadAllText(path)), actual);
            File.Delete(Path.ChangeExtension(path, ".received.cs"));
        }

        Assert.True(expectedFiles.Count == 0, $"Baselines of case {caseName} that are no longer generated: {string.Join(", ", expectedFiles)}");
    }

    private static void CompareLines(string path, string expected, string actual)
    {
        string[] expectedLines = expected.Split('\n');
        string[] actualLines = actual.Split('\n');
        for (int i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            string? want = i < expectedLines.Length ? expectedLines[i] : null;
            string? got = i < actualLines.Length ? actualLines[i] : null;
            if (want != got)
            {
                Fail(path, actual, $"{Path.GetFileName(path)} differs from its baseline at line {i + 1}:\n  expected: {want ?? "<end of file>"}\n  actual:   {got ?? "<end of file>"}\n(set {UpdateVariable}=1 to accept the new output)");
            }
        }
    }

    private static void Fail(string baselinePath, string actual, string message)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(baselinePath)!);
        File.WriteAllText(Path.ChangeExtension(baselinePath, ".received.cs"), actual, new UTF8Encoding(false));
        Assert.Fail(message);
    }

    private static string Normalize(string text)
        => text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace("\"" + Emitting.GeneratedCode.Version + "\"", "\"" + VersionPlaceholder + "\"", StringComparison.Ordinal);
}

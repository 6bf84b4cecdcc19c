using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>In-memory compilations against the .NET 10 reference assemblies and the runtime, with the generator.</summary>
internal static class TestCompilation
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static readonly MetadataReference Runtime = MetadataReference.CreateFromFile(typeof(IOtlpAttributes).Assembly.Location);

    public static CSharpCompilation Create(params string[] sources)
        => CSharpCompilation.Create(
            "Consumer.Tests",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            [.. Net100.References.All, Runtime],
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                deterministic: true));

    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            [new OtlpAttributesGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator and fails when the generator or the compiler with its output reports anything.</summary>
    public static GeneratorDriverRunResult RunClean(params string[] sources)
    {
        CSharpCompilation compilation = Create(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems.Select(p => p.ToString())));
        return driver.GetRunResult();
    }
}

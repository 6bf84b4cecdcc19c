using System.Reflection;
using System.Runtime.Loader;
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

    public static GeneratorDriver CreateDriver(bool trackSteps = true)
        => CSharpGeneratorDriver.Create(
            [new OtlpAttributesGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator and fails when the generator or the compiler with its output reports anything.</summary>
    public static GeneratorDriverRunResult RunClean(params string[] sources) => RunClean(sources, out _);

    /// <summary>
    /// Compiles <paramref name="sources"/> with the generator's output, loads the assembly and returns what
    /// <paramref name="expression"/> evaluates to inside it. The expression may call <c>Write(value, includeContent)</c>,
    /// which serialises a value through the generated JSON context, to test what the generated writers do.
    /// </summary>
    public static string Execute(string expression, params string[] sources)
    {
        string probe = $$"""
            public static class Probe
            {
                public static string Run() => {{expression}};

                private static string Write<T>(T value, bool includeContent)
                {
                    var context = includeContent ? Consumer.Tests.OtlpAttributesJsonContext.Default : Consumer.Tests.OtlpAttributesJsonContext.ContentWithheld;
                    return System.Text.Json.JsonSerializer.Serialize(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)context.GetTypeInfo(typeof(T))!);
                }
            }
            """;
        RunClean([.. sources, probe], out Compilation output);
        using var image = new MemoryStream();
        Assert.True(output.Emit(image).Success);
        image.Position = 0;
        var context = new AssemblyLoadContext("Probe", isCollectible: true);
        try
        {
            MethodInfo run = context.LoadFromStream(image).GetType("Probe")!.GetMethod("Run")!;
            return (string)run.Invoke(null, null)!;
        }
        finally
        {
            context.Unload();
        }
    }

    private static GeneratorDriverRunResult RunClean(string[] sources, out Compilation output)
    {
        CSharpCompilation compilation = Create(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems.Select(p => p.ToString())));
        return driver.GetRunResult();
    }
}

using System.Globalization;
using BenchmarkDotNet.Attributes;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OtlpBroadcast.Generators;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 4: the generator on a project of 500 annotated types (one file each, plus one unrelated file). A full
/// run starts from a new driver and a new compilation; an incremental run is the step after an edit to the
/// unrelated file, from a driver that has already run once (every step must be cached: checked in setup).
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    public const int TypeCount = 500;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly string[] GeneratorSteps =
    [
        TrackingNames.ParseResults, TrackingNames.Diagnostics, TrackingNames.TypeSpecs, TrackingNames.AssemblyNamespace, TrackingNames.JsonContext,
    ];

    private SyntaxTree[] _trees = null!;
    private SyntaxTree _unrelated = null!;
    private SyntaxTree _unrelatedEdited = null!;
    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trees = [.. Enumerable.Range(0, TypeCount).Select(i => CSharpSyntaxTree.ParseText(AnnotatedType(i), ParseOptions, path: $"Dto{i}.cs"))];
        _unrelated = CSharpSyntaxTree.ParseText(Unrelated("int"), ParseOptions, path: "Unrelated.cs");
        _unrelatedEdited = CSharpSyntaxTree.ParseText(Unrelated("long"), ParseOptions, path: "Unrelated.cs");
        _compilation = Compilation();
        _warm = CreateDriver(trackSteps: false).RunGenerators(_compilation);
        AssertIncrementalRunIsCached();
    }

    [Benchmark(Description = "Full run (new driver, new compilation)")]
    public GeneratorDriver Full() => CreateDriver(trackSteps: false).RunGenerators(Compilation());

    [Benchmark(Description = "Incremental run after an unrelated edit")]
    public GeneratorDriver Incremental() => _warm.RunGenerators(_compilation.ReplaceSyntaxTree(_unrelated, _unrelatedEdited));

    /// <summary>Times the pieces of an incremental run with a stopwatch (a diagnostic aid, not a benchmark).</summary>
    public static void Probe()
    {
        var b = new GeneratorBenchmarks();
        b.Setup();
        for (int i = 0; i < 20; i++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            CSharpCompilation edited = b._compilation.ReplaceSyntaxTree(b._unrelated, b._unrelatedEdited);
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            b._warm.RunGenerators(edited);
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            GeneratorDriver trivial = CSharpGeneratorDriver.Create([new TrivialGenerator().AsSourceGenerator()], parseOptions: ParseOptions).RunGenerators(b._compilation);
            long t3 = System.Diagnostics.Stopwatch.GetTimestamp();
            trivial.RunGenerators(edited);
            long t4 = System.Diagnostics.Stopwatch.GetTimestamp();
            Console.WriteLine($"trivial FAWMN generator incremental {System.Diagnostics.Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds:F2} ms");
            Console.WriteLine($"replace tree {System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds:F2} ms, run {System.Diagnostics.Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds:F2} ms");
        }
    }

    private CSharpCompilation Compilation() => CSharpCompilation.Create(
        "FiveHundredTypes",
        [.. _trees, _unrelated],
        [.. Net100.References.All, MetadataReference.CreateFromFile(typeof(IOtlpAttributes).Assembly.Location)],
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static GeneratorDriver CreateDriver(bool trackSteps) => CSharpGeneratorDriver.Create(
        [new OtlpAttributesGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    private void AssertIncrementalRunIsCached()
    {
        GeneratorDriver tracked = CreateDriver(trackSteps: true).RunGenerators(_compilation);
        GeneratorRunResult first = tracked.GetRunResult().Results.Single();
        if (first.GeneratedSources.Length < TypeCount || first.Diagnostics.Length > 0)
        {
            throw new InvalidOperationException($"The generator produced {first.GeneratedSources.Length} files and {first.Diagnostics.Length} diagnostics for {TypeCount} types.");
        }

        GeneratorRunResult second = tracked.RunGenerators(_compilation.ReplaceSyntaxTree(_unrelated, _unrelatedEdited)).GetRunResult().Results.Single();
        // The generator's own named steps and its outputs; Roslyn's input steps (e.g. "Compilation") change with any edit.
        foreach ((string step, var runs) in second.TrackedSteps.Where(s => GeneratorSteps.Contains(s.Key)).Concat(second.TrackedOutputSteps))
        {
            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                {
                    if (reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
                    {
                        throw new InvalidOperationException($"After an unrelated edit, step '{step}' was {reason}: the incremental run is not fully cached.");
                    }
                }
            }
        }
    }

    private static string Unrelated(string type) => $$"""
        namespace Service;

        public sealed class Settings
        {
            public {{type}} Value { get; set; }
        }
        """;

    private static string AnnotatedType(int i) => string.Format(CultureInfo.InvariantCulture, """
        using System.Collections.Generic;
        using OtlpBroadcast;

        namespace Service.Models{0};

        [OtlpAttributes(KeyPrefix = "app.dto{0}")]
        public sealed partial class Dto{0}
        {{
            [OtlpAttribute(GenAiAttributes.RequestModel)] public string Model {{ get; set; }} = "";
            [OtlpAttribute(GenAiAttributes.RequestTemperature)] public double? Temperature {{ get; set; }}
            [OtlpAttribute(GenAiAttributes.RequestMaxTokens)] public int? MaxTokens {{ get; set; }}
            [OtlpAttribute(GenAiAttributes.RequestStopSequences)] public List<string>? Stop {{ get; set; }}
            public long Count {{ get; set; }}
            public bool Enabled {{ get; set; }}
            [OtlpSensitive] public string? Prompt {{ get; set; }}
            [OtlpIgnore] public object? Extra {{ get; set; }}
            [OtlpFlatten("meta")] public Dictionary<string, string>? Metadata {{ get; set; }}
        }}
        """, i);

    private sealed class TrivialGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var names = context.SyntaxProvider.ForAttributeWithMetadataName("OtlpBroadcast.OtlpAttributesAttribute", static (_, _) => true, static (c, _) => c.TargetSymbol.Name);
            context.RegisterSourceOutput(names, static (_, _) => { });
        }
    }
}

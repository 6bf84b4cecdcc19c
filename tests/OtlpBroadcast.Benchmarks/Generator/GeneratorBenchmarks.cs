using System.Globalization;
using BenchmarkDotNet.Attributes;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OtlpBroadcast.Generators;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 4: the generator on a project of 500 annotated types (one file each, plus one unrelated file). A full
/// run starts from a new driver on a new compilation; an incremental run is the step after an edit to the unrelated
/// file, from a driver that has already run once (every step must be cached: checked in setup). The trivial generator
/// (the same attribute filter, a transform that only reads the type's name) is Roslyn's floor for the same run.
/// Only the run is measured: the compilations are created in <see cref="CreateCompilations"/>, one per iteration, so
/// no run finds attributes or member types bound by an earlier one.
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
    private GeneratorDriver _warmTrivial = null!;
    private CSharpCompilation _fresh = null!;
    private CSharpCompilation _edited = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trees = [.. Enumerable.Range(0, TypeCount).Select(i => CSharpSyntaxTree.ParseText(AnnotatedType(i), ParseOptions, path: $"Dto{i}.cs"))];
        _unrelated = CSharpSyntaxTree.ParseText(Unrelated("int"), ParseOptions, path: "Unrelated.cs");
        _unrelatedEdited = CSharpSyntaxTree.ParseText(Unrelated("long"), ParseOptions, path: "Unrelated.cs");
        _compilation = Compilation();
        _warm = CreateDriver(trackSteps: false).RunGenerators(_compilation);
        _warmTrivial = CreateTrivialDriver().RunGenerators(_compilation);
        AssertIncrementalRunIsCached();
    }

    /// <summary>Compilation creation is not part of a generator run: a new one per iteration, outside the timing.</summary>
    [IterationSetup]
    public void CreateCompilations()
    {
        _fresh = Compilation();
        _edited = _compilation.ReplaceSyntaxTree(_unrelated, _unrelatedEdited);
    }

    [Benchmark(Description = "Full run (new driver)")]
    public GeneratorDriver Full() => CreateDriver(trackSteps: false).RunGenerators(_fresh);

    [Benchmark(Description = "Incremental run after an unrelated edit")]
    public GeneratorDriver Incremental() => _warm.RunGenerators(_edited);

    [Benchmark(Description = "Trivial generator, incremental run after the same edit (Roslyn's floor)")]
    public GeneratorDriver TrivialIncremental() => _warmTrivial.RunGenerators(_edited);

    /// <summary>
    /// Times an incremental run of this generator and of the trivial one, each on its own new compilation, with the
    /// thread CPU clock (a quick diagnostic aid, not the benchmark): medians of <paramref name="rounds"/> rounds.
    /// </summary>
    public static void Probe(int rounds = 30)
    {
        var b = new GeneratorBenchmarks();
        b.Setup();
        var ours = new List<double>();
        var trivial = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            ours.Add(CpuMilliseconds(b._warm, b._compilation.ReplaceSyntaxTree(b._unrelated, b._unrelatedEdited)));
            trivial.Add(CpuMilliseconds(b._warmTrivial, b._compilation.ReplaceSyntaxTree(b._unrelated, b._unrelatedEdited)));
        }

        Console.WriteLine($"Incremental run after an unrelated edit, thread CPU, median of {rounds} (minimum): " +
            $"this generator {Median(ours):F2} ms ({ours.Min():F2}), trivial generator {Median(trivial):F2} ms ({trivial.Min():F2})");

        static double CpuMilliseconds(GeneratorDriver driver, CSharpCompilation edited)
        {
            long start = ThreadCpuClock.Instance.GetTimestamp();
            driver.RunGenerators(edited);
            return (ThreadCpuClock.Instance.GetTimestamp() - start) / 1e6;
        }

        static double Median(List<double> values)
        {
            double[] sorted = [.. values.Order()];
            return sorted[sorted.Length / 2];
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

    private static GeneratorDriver CreateTrivialDriver() => CSharpGeneratorDriver.Create(
        [new TrivialGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    private sealed class TrivialGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var names = context.SyntaxProvider.ForAttributeWithMetadataName("OtlpBroadcast.OtlpAttributesAttribute", static (_, _) => true, static (c, _) => c.TargetSymbol.Name);
            context.RegisterSourceOutput(names, static (_, _) => { });
        }
    }
}

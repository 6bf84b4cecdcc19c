using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>
/// Runs the generator through Microsoft.CodeAnalysis.Testing, which checks every reported diagnostic's id,
/// location and message. References come from Basic.Reference.Assemblies, so nothing is downloaded.
/// </summary>
internal sealed class DiagnosticTest : CSharpSourceGeneratorTest<OtlpAttributesGenerator, DefaultVerifier>
{
    public DiagnosticTest(string source, params DiagnosticResult[] expected)
    {
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(Net100.References.All);
        TestState.AdditionalReferences.Add(TestCompilation.Runtime);
        TestState.Sources.Add(("Source0.cs", "using System.Collections.Generic;\nusing OtlpBroadcast;\n" + source));
        TestState.ExpectedDiagnostics.AddRange(expected);

        // Only the diagnostics are under test here; the generated text has its own baseline tests.
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
    }

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) => new DiagnosticTest(source, expected).RunAsync();

    /// <summary>The diagnostic <paramref name="id"/> at markup location <c>{|#index:…|}</c> with exactly <paramref name="message"/>.</summary>
    public static DiagnosticResult Error(string id, int index, string message)
        => new DiagnosticResult(id, DiagnosticSeverity.Error).WithLocation(index).WithMessage(message);

    /// <summary>The consumer's C# version; the latest unless a test sets it.</summary>
    public LanguageVersion LanguageVersion { get; init; } = TestCompilation.ParseOptions.LanguageVersion;

    protected override ParseOptions CreateParseOptions() => TestCompilation.ParseOptions.WithLanguageVersion(LanguageVersion);

    protected override CompilationOptions CreateCompilationOptions()
        => ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
}

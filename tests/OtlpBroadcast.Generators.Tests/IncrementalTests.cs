using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace OtlpBroadcast.Generators.Tests;

public class IncrementalTests
{
    private static readonly string[] TrackedSteps =
    [
        TrackingNames.ParseResults, TrackingNames.Diagnostics, TrackingNames.TypeSpecs, TrackingNames.AssemblyNamespace, TrackingNames.JsonContext,
    ];

    private const string Unrelated = """
        namespace Gateway;

        public class Unrelated
        {
            public int Value { get; set; }
        }
        """;

    private const string Mistake = "[OtlpBroadcast.OtlpAttributes] public partial class Mistaken { public object? O { get; set; } }";

    [Fact]
    public void UnrelatedEditLeavesEveryStepCachedOrUnchanged()
    {
        CSharpCompilation first = TestCompilation.Create(Sources.Chat, Unrelated, Mistake);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        CSharpCompilation second = Replace(first, 1, Unrelated.Replace("public int Value", "public long Value", StringComparison.Ordinal));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        foreach (string step in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} is not tracked");

            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step} was {reason}"));
        }

        Assert.Single(result.Diagnostics);
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output was {output.Reason}"));
    }

    [Fact]
    public void EditingAnAnnotatedMemberModifiesItsSpec()
    {
        CSharpCompilation first = TestCompilation.Create(Sources.Chat, Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        CSharpCompilation second = Replace(first, 0, Sources.Chat.Replace("[OtlpAttribute(GenAiAttributes.UserId)]", "[OtlpAttribute(GenAiAttributes.SessionId)]", StringComparison.Ordinal));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        var parseReasons = result.TrackedSteps[TrackingNames.ParseResults].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        var specReasons = result.TrackedSteps[TrackingNames.TypeSpecs].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(1, parseReasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, specReasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Contains(result.GeneratedSources, s => s.SourceText.ToString().Contains(
            """PrecomposedKey("session.id"u8, "{\"key\":\"session.id\",\"value\":{\"stringValue\":\""u8), this.User""",
            StringComparison.Ordinal));
    }

    [Fact]
    public void ModelsHoldNoSymbolSyntaxCompilationOrLocation()
    {
        CSharpCompilation compilation = TestCompilation.Create(Sources.Chat, Sources.Scalars, "[OtlpBroadcast.OtlpAttributes] public class NotPartial { public object? O { get; set; } }");
        GeneratorRunResult result = TestCompilation.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        int inspected = 0;
        foreach (string step in TrackedSteps)
        {
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                foreach ((object value, _) in run.Outputs)
                {
                    AssertHoldsNoCompilationObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    inspected++;
                }
            }
        }

        Assert.True(inspected > 10, "too few model objects were inspected");
        Assert.NotEmpty(result.Diagnostics);
    }

    [Fact]
    public void ParsingTheSameCodeTwiceGivesEqualModels()
    {
        GeneratorRunResult first = TestCompilation.CreateDriver().RunGenerators(TestCompilation.Create(Sources.Chat)).GetRunResult().Results.Single();
        GeneratorRunResult second = TestCompilation.CreateDriver().RunGenerators(TestCompilation.Create(Sources.Chat)).GetRunResult().Results.Single();

        object[] Specs(GeneratorRunResult r) => r.TrackedSteps[TrackingNames.TypeSpecs].SelectMany(s => s.Outputs).Select(o => o.Value).ToArray();
        Assert.Equal(Specs(first), Specs(second));
        Assert.Equal(Specs(first).Select(s => s.GetHashCode()), Specs(second).Select(s => s.GetHashCode()));
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string source)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, TestCompilation.ParseOptions, old.FilePath));
    }

    private static void AssertHoldsNoCompilationObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(
            value is ISymbol or SyntaxNode or SyntaxTree or Compilation or SemanticModel or Location,
            $"step {step} holds a {value.GetType().Name}");

        if (value is DiagnosticDescriptor or LocalizableString)
        {
            return;
        }

        if (value is IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertHoldsNoCompilationObjects(item, step, seen);
            }
        }

        for (Type? type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertHoldsNoCompilationObjects(field.GetValue(value), step, seen);
            }
        }
    }
}

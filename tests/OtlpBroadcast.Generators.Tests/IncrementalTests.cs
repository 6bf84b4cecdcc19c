using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OtlpBroadcast.Generators.Emitting;

namespace OtlpBroadcast.Generators.Tests;

public class IncrementalTests
{
    private static readonly string[] TrackedSteps =
    [
        TrackingNames.ParseResults, TrackingNames.Diagnostics, TrackingNames.TypeSpecs, TrackingNames.ClashingHintNames,
        TrackingNames.AssemblyNamespace, TrackingNames.JsonContext,
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
    public void EditingOneAnnotatedTypeChangesOnlyItsOutput()
    {
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Annotated("Second"), Annotated("Third"), Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        GeneratorRunResult before = driver.GetRunResult().Results.Single();

        CSharpCompilation second = Replace(first, 1, Annotated("Second", "public long Added { get; set; }"));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        // Every transform runs again on a new compilation; only the edited type's result differs.
        AssertOneModifiedRestCached(Reasons(result, TrackingNames.ParseResults), 3);
        Assert.Equal(1, Reasons(result, TrackingNames.TypeSpecs).Count(r => r == IncrementalStepRunReason.Modified));
        Assert.All(Reasons(result, TrackingNames.JsonContext), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"the JSON context was {r}"));

        Assert.Equal(1, OutputReasons(result).Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(before.GeneratedSources.Length, result.GeneratedSources.Length);
        foreach (GeneratedSourceResult source in result.GeneratedSources)
        {
            string old = before.GeneratedSources.Single(s => s.HintName == source.HintName).SourceText.ToString();
            bool edited = source.HintName.Contains("Second", StringComparison.Ordinal);
            Assert.Equal(edited, old != source.SourceText.ToString());
        }

        Assert.Contains("\"app.added\"u8", Source(result, "Second"), StringComparison.Ordinal);
    }

    [Fact]
    public void EditingAnAttributeArgumentChangesTheKeyOfThatTypeOnly()
    {
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Annotated("Second"));
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        CSharpCompilation second = Replace(first, 0, Annotated("First").Replace("\"app.name\"", "\"app.title\"", StringComparison.Ordinal));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        AssertOneModifiedRestCached(Reasons(result, TrackingNames.ParseResults), 2);
        Assert.Equal(1, OutputReasons(result).Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Contains("\"app.title\"u8", Source(result, "First"), StringComparison.Ordinal);
        Assert.DoesNotContain("\"app.name\"u8", Source(result, "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void EditingAConstantInAnotherFileReachesTheKeyThatUsesIt()
    {
        // The transform is not cached on syntax: a key taken from a constant elsewhere follows that constant.
        const string Keys = "namespace Gateway; public static class Keys { public const string Name = \"app.name\"; }";
        string annotated = Annotated("First").Replace("\"app.name\"", "Keys.Name", StringComparison.Ordinal);
        CSharpCompilation first = TestCompilation.Create(annotated, Keys);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.Contains("\"app.name\"u8", Source(driver.GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);

        CSharpCompilation second = Replace(first, 1, Keys.Replace("app.name", "app.label", StringComparison.Ordinal));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains("\"app.label\"u8", Source(result, "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void AddingAnAnnotatedTypeAddsOneOutputAndUpdatesTheJsonContext()
    {
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        int before = driver.GetRunResult().GeneratedTrees.Length;

        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Annotated("Added"), TestCompilation.ParseOptions, "Added.cs"));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        IncrementalStepRunReason[] parsed = Reasons(result, TrackingNames.ParseResults);
        Assert.Equal(2, parsed.Length);
        Assert.Single(parsed, IncrementalStepRunReason.New);
        Assert.Single(parsed, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.JsonContext));
        Assert.Equal(before + 1, result.GeneratedSources.Length);
        Assert.Equal(1, OutputReasons(result).Count(r => r == IncrementalStepRunReason.New));
        Assert.Equal(1, OutputReasons(result).Count(r => r == IncrementalStepRunReason.Modified)); // the JSON context only
        Assert.Contains("global::Gateway.Added", result.GeneratedSources.Single(s => s.HintName.StartsWith(JsonContextEmitter.ClassName, StringComparison.Ordinal)).SourceText.ToString(), StringComparison.Ordinal);
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

    /// <summary>An annotated type of its own file, with a key from an attribute argument and one derived from a name.</summary>
    private static string Annotated(string name, string extraMember = "") => $$"""
        using OtlpBroadcast;

        namespace Gateway;

        [OtlpAttributes(KeyPrefix = "app")]
        public sealed partial class {{name}}
        {
            [OtlpAttribute("app.name")] public string Name { get; set; } = "";
            public int Count { get; set; }
            {{extraMember}}
        }
        """;

    private static void AssertOneModifiedRestCached(IncrementalStepRunReason[] reasons, int count)
    {
        Assert.Equal(count, reasons.Length);
        Assert.Single(reasons, IncrementalStepRunReason.Modified);
        Assert.Equal(count - 1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step)
        => result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason[] OutputReasons(GeneratorRunResult result)
        => result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static string Source(GeneratorRunResult result, string typeName)
        => result.GeneratedSources.Single(s => s.HintName == "Gateway." + typeName + ".OtlpAttributes.g.cs").SourceText.ToString();

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

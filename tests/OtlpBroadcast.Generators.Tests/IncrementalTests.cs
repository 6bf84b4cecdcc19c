using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OtlpBroadcast.Generators.Emitting;

namespace OtlpBroadcast.Generators.Tests;

public partial class IncrementalTests
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
        Assert.Equal(2, OutputReasons(result).Count(r => r == IncrementalStepRunReason.New)); // its file and its (empty) diagnostics
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

    [Fact]
    public void UnrelatedEditRunsNoParseAgain()
    {
        // The parse binds on the new compilation; it must not run at all when no file it can read has changed.
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Annotated("Second"), Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 2, Unrelated.Replace("int Value", "long Value", StringComparison.Ordinal))).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Cached, IncrementalStepRunReason.Cached], Reasons(result, TrackingNames.ParseResults));
        Assert.All(Reasons(result, TrackingNames.ParseKeys), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"a key was {r}"));
    }

    [Fact]
    public void ATypeAnnotatedThroughAnAliasIsFound()
    {
        // Types are found by syntax (any attribute) and confirmed by binding, so an alias of the attribute works, as it
        // did when Roslyn's ForAttributeWithMetadataName found them.
        GeneratorDriverRunResult result = TestCompilation.RunClean("""
            using Annotate = OtlpBroadcast.OtlpAttributesAttribute;
            namespace Gateway;
            [Annotate] public partial class Aliased { public string? Name { get; set; } }
            [System.Serializable] public partial class NotAnnotated { public string? Name { get; set; } }
            """);

        Assert.Contains(result.Results.Single().GeneratedSources, s => s.HintName == "Gateway.Aliased.OtlpAttributes.g.cs");
        Assert.DoesNotContain(result.Results.Single().GeneratedSources, s => s.HintName.Contains("NotAnnotated", StringComparison.Ordinal));
    }

    [Fact]
    public void NamesUsedOnlyInBodiesLeadToNoFile()
    {
        const string Helper = "namespace Gateway; public static class Helper { public static int Compute() => 1; }";
        string annotated = Annotated("First", "public int Twice() { return Helper.Compute() * 2; }");
        CSharpCompilation first = TestCompilation.Create(annotated, Helper);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 1, Helper.Replace("=> 1", "=> 2", StringComparison.Ordinal))).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(result, TrackingNames.ParseResults));
    }

    [Fact]
    public void EditingAnEnumInAnotherFileReachesTheTypeThatUsesIt()
    {
        const string Status = "namespace Gateway; public enum Status { Ready, Done }";
        CSharpCompilation first = TestCompilation.Create(Annotated("First", "public Status State { get; set; }"), Status);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.DoesNotContain("\"Failed\"", Source(driver.GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 1, Status.Replace("Done", "Done, Failed", StringComparison.Ordinal))).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains("\"Failed\"", Source(result, "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void AddingAPropertyToABaseClassInAnotherFileReachesTheDerivedType()
    {
        const string Base = "namespace Gateway; public abstract class Base { public string? Region { get; set; } }";
        string derived = Annotated("First").Replace("public sealed partial class First", "public sealed partial class First : Base", StringComparison.Ordinal);
        CSharpCompilation first = TestCompilation.Create(derived, Base);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.Contains("\"app.region\"u8", Source(driver.GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 1, Base.Replace("Region { get; set; }", "Region { get; set; } public string? Zone { get; set; }", StringComparison.Ordinal))).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains("\"app.zone\"u8", Source(result, "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void EditingATypeReachedThroughAnotherFileReachesTheAnnotatedType()
    {
        // First flattens Wrapper (file 1), whose member is an Inner (file 2): First's file never names Inner.
        const string Wrapper = "namespace Gateway; [OtlpBroadcast.OtlpAttributes] public sealed partial class Wrapper { [OtlpBroadcast.OtlpFlatten(\"inner\")] public Inner? Inner { get; set; } }";
        const string Inner = "namespace Gateway; [OtlpBroadcast.OtlpAttributes] public sealed partial class Inner { public string? Kind { get; set; } }";
        CSharpCompilation first = TestCompilation.Create(Annotated("First", "[OtlpFlatten(\"wrap\")] public Wrapper? Wrap { get; set; }"), Wrapper, Inner);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Contains("\"wrap.inner.kind\"u8", Source(driver.GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 2, Inner.Replace("Kind", "Sort", StringComparison.Ordinal))).GetRunResult().Results.Single();

        // Inner's own file, Wrapper's through Inner, and First's through Wrapper.
        Assert.Equal([IncrementalStepRunReason.Modified, IncrementalStepRunReason.Modified, IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains("\"wrap.inner.sort\"u8", Source(result, "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void EditingAnotherPartOfAPartialTypeReachesIt()
    {
        const string Part = "namespace Gateway; public sealed partial class First { public string? Region { get; set; } }";
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Part);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 1, Part.Replace("Region", "Zone", StringComparison.Ordinal))).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains("\"app.zone\"u8", Source(result, "First"), StringComparison.Ordinal);
        Assert.DoesNotContain("\"app.region\"u8", Source(result, "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void ASourceTypeThatTakesAReferencedTypesNameReachesTheTypesNamingIt()
    {
        // Guid binds to System.Guid until a file declares Gateway.Guid, which the annotated type's namespace finds first.
        string annotated = "using System;\n" + Annotated("First", "public Guid Id { get; set; }");
        CSharpCompilation first = TestCompilation.Create(annotated, Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.Contains("\"app.id\"u8", Source(driver.GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);
        Assert.Empty(driver.GetRunResult().Diagnostics);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 1, "namespace Gateway; public struct Guid { }")).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains(result.Diagnostics, d => d.Id == "OTB0001" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("Id", StringComparison.Ordinal));
    }

    [Fact]
    public void AGlobalUsingAliasInAnotherFileReachesTheTypesUsingIt()
    {
        CSharpCompilation first = TestCompilation.Create(Annotated("First", "public Label Title { get; set; } = default!;"), "global using Label = string;");
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.Contains("""PrecomposedKey("app.title"u8, "{\"key\":\"app.title\",\"value\":{\"stringValue\":\""u8)""", Source(driver.GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 1, "global using Label = long;")).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains("""PrecomposedKey("app.title"u8, "{\"key\":\"app.title\",\"value\":{\"intValue\":\""u8)""", Source(result, "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void ANewNamespaceThatChangesWhatANameBindsToReachesTheTypesUsingIt()
    {
        // Inside namespace Gateway, System.Guid binds to System.Guid until a namespace Gateway.System exists: no type
        // name leads there, so the namespaces the sources declare are compared as a whole.
        CSharpCompilation first = TestCompilation.Create(Annotated("First", "public System.Guid Id { get; set; }"), Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.Contains("\"app.id\"u8", Source(driver.GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);

        GeneratorRunResult result = driver.RunGenerators(Replace(first, 1, "namespace Gateway.System { public class Other { } }")).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.ParseResults));
        Assert.Contains(result.Diagnostics, d => d.Id == "OTB0001" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("Id", StringComparison.Ordinal));
    }

    [Fact]
    public void ChangedCompilationOptionsParseEveryTypeAgain()
    {
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Annotated("Second"));
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        GeneratorRunResult result = driver.RunGenerators(first.WithOptions(first.Options.WithNullableContextOptions(NullableContextOptions.Disable))).GetRunResult().Results.Single();

        Assert.All(Reasons(result, TrackingNames.ParseResults), r => Assert.NotEqual(IncrementalStepRunReason.Cached, r));
        Assert.Equal(2, Reasons(result, TrackingNames.ParseResults).Length);
    }

    [Fact]
    public void ChangedReferencesGiveWhatANewDriverGives()
    {
        // Without the runtime's reference [OtlpAttributes] binds to nothing, so nothing is generated; with it back,
        // everything is: the references are part of every parse's input (a remembered parse must not come back).
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Annotated("Second"));
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        driver = AssertSameAsFreshRun(driver, first.RemoveReferences(TestCompilation.Runtime));
        Assert.Empty(driver.GetRunResult().Results.Single().GeneratedSources);
        driver = AssertSameAsFreshRun(driver, first);
        Assert.Equal(3, driver.GetRunResult().Results.Single().GeneratedSources.Length);
    }

    [Fact]
    public void CachedParsesKeepNoEarlierCompilationAlive()
    {
        (GeneratorDriver driver, CSharpCompilation latest, WeakReference earlier) = RunTwice();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(earlier.IsAlive, "the first compilation is still reachable after a second run cached every parse");
        GC.KeepAlive(driver);
        GC.KeepAlive(latest);

        static (GeneratorDriver, CSharpCompilation, WeakReference) RunTwice()
        {
            CSharpCompilation first = TestCompilation.Create(Annotated("First"), Unrelated);
            GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
            CSharpCompilation second = Replace(first, 1, Unrelated.Replace("int Value", "long Value", StringComparison.Ordinal));
            driver = driver.RunGenerators(second);
            Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver.GetRunResult().Results.Single(), TrackingNames.ParseResults));
            return (driver, second, new WeakReference(first));
        }
    }

    [Fact]
    public void TheJsonContextNamespaceFollowsATypeAddedInAnotherFile()
    {
        // The assembly is Consumer.Tests: a class Tests in namespace Consumer, or a class Consumer, would clash with it.
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);
        Assert.Contains("namespace Consumer.Tests", JsonContext(driver.GetRunResult().Results.Single()), StringComparison.Ordinal);

        driver = driver.RunGenerators(Replace(first, 1, "namespace Consumer { public class Tests { } }"));
        Assert.Contains("namespace OtlpBroadcast.Generated.Consumer.Tests", JsonContext(driver.GetRunResult().Results.Single()), StringComparison.Ordinal);

        driver = driver.RunGenerators(Replace(first, 1, "public class Consumer { public class Tests { } }"));
        Assert.Contains("namespace OtlpBroadcast.Generated.Consumer.Tests", JsonContext(driver.GetRunResult().Results.Single()), StringComparison.Ordinal);

        // A nested type of that name is no namespace's member: no clash.
        driver = driver.RunGenerators(Replace(first, 1, "namespace Gateway { public class Consumer { public class Tests { } } }"));
        Assert.Contains("namespace Consumer.Tests", JsonContext(driver.GetRunResult().Results.Single()), StringComparison.Ordinal);
        Assert.DoesNotContain("OtlpBroadcast.Generated", JsonContext(driver.GetRunResult().Results.Single()), StringComparison.Ordinal);

        static string JsonContext(GeneratorRunResult result)
            => result.GeneratedSources.Single(s => s.HintName.StartsWith(JsonContextEmitter.ClassName, StringComparison.Ordinal)).SourceText.ToString();
    }

    [Fact]
    public void AnAssemblyLevelExperimentalAttributeInAnotherFileReachesEveryType()
    {
        // UseSiteDiagnostics.Add walks up to the assembly: [assembly: Experimental] makes every member experimental.
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Unrelated);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        CSharpCompilation second = Replace(first, 1, "[assembly: System.Diagnostics.CodeAnalysis.Experimental(\"EXPASM\")]\n" + Unrelated);
        AssertSameAsFreshRun(driver, second);
        Assert.Contains("EXPASM", Source(driver.RunGenerators(second).GetRunResult().Results.Single(), "First"), StringComparison.Ordinal);
    }

    [Fact]
    public void AModuleLevelExperimentalAttributeInAFileOfItsOwnReachesEveryType()
    {
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), "// attributes");
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        AssertSameAsFreshRun(driver, Replace(first, 1, "[module: System.Diagnostics.CodeAnalysis.Experimental(\"EXPMOD\")]"));
    }

    [Fact]
    public void ReorderingTheFilesOfAPartialTypeReordersItsMembers()
    {
        const string Part = "namespace Gateway; public sealed partial class First { public string? Region { get; set; } }";
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Part);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        SyntaxTree own = first.SyntaxTrees.First();
        AssertSameAsFreshRun(driver, first.RemoveSyntaxTrees(own).AddSyntaxTrees(own));
    }

    [Fact]
    public void AConstantInAnAssemblyAttributeReachesEveryType()
    {
        const string Ids = "namespace Gateway; public static class Ids { public const string Assembly = \"EXPA\"; }";
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), "[assembly: System.Diagnostics.CodeAnalysis.Experimental(Gateway.Ids.Assembly)]", Ids);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        AssertSameAsFreshRun(driver, Replace(first, 2, Ids.Replace("EXPA", "EXPB", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("[OtlpBroadcast.OtlpAttributes] public partial class { }")]
    [InlineData("using OtlpBroadcast; [OtlpAttributes] public partial class { int")]
    public void AnAnnotatedDeclarationWithoutANameGetsNoOutputAndThrowsNothing(string broken)
    {
        // A missing name (a compiler error while typing) made the JSON context's member names throw.
        CSharpCompilation first = TestCompilation.Create(Annotated("First"));
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        AssertSameAsFreshRun(driver, first.AddSyntaxTrees(CSharpSyntaxTree.ParseText(broken, TestCompilation.ParseOptions, "Broken.cs")));
    }

    [Fact]
    public void ATypeAnnotatedInTwoPartsGetsOneOutputAndThrowsNothing()
    {
        // Each annotated part was parsed as the type, and the second output's hint name was taken.
        const string Part = "namespace Gateway; public sealed partial class First { public int Zone { get; set; } }";
        CSharpCompilation first = TestCompilation.Create(Annotated("First"), Part);
        GeneratorDriver driver = TestCompilation.CreateDriver().RunGenerators(first);

        CSharpCompilation second = Replace(first, 1, Part.Replace("public sealed partial", "[OtlpBroadcast.OtlpAttributes] public sealed partial", StringComparison.Ordinal));
        driver = AssertSameAsFreshRun(driver, second);
        Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources, s => s.HintName.StartsWith("Gateway.First.", StringComparison.Ordinal));

        AssertSameAsFreshRun(driver, second.RemoveSyntaxTrees(second.SyntaxTrees.First()).AddSyntaxTrees(second.SyntaxTrees.First()));
    }

    [Fact]
    public void ANestedTypeFollowsItsContainingTypesOtherPart()
        => AssertEachEditAsFreshRun(
            TestCompilation.Create(
                "using OtlpBroadcast; namespace Gateway; public partial class Outer { [OtlpAttributes] public sealed partial class In { public Kind K { get; set; } [OtlpAttribute(Key)] public string? S { get; set; } } }",
                "namespace Gateway; public partial class Outer { public const string Key = \"a.b\"; }",
                "namespace Gateway; public enum Kind { X }"),
            c => Replace(c, 1, "namespace Gateway; public partial class Outer { public const string Key = \"a.c\"; public enum Kind { Y, Z } }"),
            c => Replace(c, 1, "namespace Gateway; internal static partial class Outer { public const string Key = \"a.c\"; }"));

    [Fact]
    public void AUsingStaticConstantFollowsTheBaseClassItIsInheritedFrom()
        => AssertEachEditAsFreshRun(
            TestCompilation.Create(
                "using OtlpBroadcast; using static Gateway.Keys; namespace Gateway; [OtlpAttributes] public sealed partial class A { [OtlpAttribute(Model)] public string? S { get; set; } }",
                "namespace Gateway; public class Keys : MoreKeys { }",
                "namespace Gateway; public class MoreKeys { public const string Model = \"m.a\"; }"),
            c => Replace(c, 2, "namespace Gateway; public class MoreKeys { public const string Model = \"m.b\"; }"),
            c => Replace(c, 1, "namespace Gateway; public class Keys { public const string Model = \"m.c\"; }"));

    [Fact]
    public void AGenericBaseAndItsTypeArgumentInOtherFilesAreFollowed()
        => AssertEachEditAsFreshRun(
            TestCompilation.Create(
                "using OtlpBroadcast; namespace Gateway; [OtlpAttributes] public sealed partial class A : Base<Status> { }",
                "namespace Gateway; public abstract class Base<T> { public T? Value { get; set; } }",
                "namespace Gateway; public enum Status { A, B }"),
            c => Replace(c, 2, "namespace Gateway; public enum Status : ulong { A, B }"),
            c => Replace(c, 1, "namespace Gateway; public abstract class Base<T> { public T[]? Values { get; set; } }"),
            c => c.RemoveSyntaxTrees(c.SyntaxTrees.ElementAt(1)));

    [Fact]
    public void NewPreprocessorSymbolsGiveWhatANewDriverGives()
        => AssertEachEditAsFreshRun(
            TestCompilation.Create("using OtlpBroadcast; namespace Gateway; [OtlpAttributes] public sealed partial class A { \n#if EXTRA\n public int X { get; set; }\n#endif\n public int Y { get; set; } }"),
            c => c.RemoveAllSyntaxTrees().AddSyntaxTrees(c.SyntaxTrees.Select(t => t.WithRootAndOptions(t.GetRoot(), TestCompilation.ParseOptions.WithPreprocessorSymbols("EXTRA")))),
            c => c.RemoveAllSyntaxTrees().AddSyntaxTrees(c.SyntaxTrees.Select(t => CSharpSyntaxTree.ParseText(t.ToString(), TestCompilation.ParseOptions.WithPreprocessorSymbols("EXTRA"), t.FilePath))));

    private static void AssertEachEditAsFreshRun(CSharpCompilation first, params Func<CSharpCompilation, CSharpCompilation>[] edits)
    {
        foreach (bool trackSteps in new[] { true, false })
        {
            GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps).RunGenerators(first);
            CSharpCompilation compilation = first;
            foreach (Func<CSharpCompilation, CSharpCompilation> edit in edits)
            {
                compilation = edit(compilation);
                driver = AssertSameAsFreshRun(driver, compilation);
            }
        }
    }

    /// <summary>The incremental run after an edit gives what a new driver gives on the edited compilation: the same
    /// sources and the same diagnostics at the same places.</summary>
    private static GeneratorDriver AssertSameAsFreshRun(GeneratorDriver driver, CSharpCompilation edited)
    {
        driver = driver.RunGenerators(edited);
        GeneratorRunResult incremental = driver.GetRunResult().Results.Single();
        GeneratorRunResult fresh = TestCompilation.CreateDriver().RunGenerators(edited).GetRunResult().Results.Single();
        Assert.Null(incremental.Exception);
        Assert.Null(fresh.Exception);
        Assert.Equal(string.Join("\n=====\n", Describe(fresh)), string.Join("\n=====\n", Describe(incremental)));
        return driver;

        static string[] Describe(GeneratorRunResult result)
            => result.GeneratedSources.Select(s => s.HintName + "\n" + s.SourceText).OrderBy(s => s, StringComparer.Ordinal)
                .Concat(result.Diagnostics.Select(d => d.ToString() + " @ " + d.Location.GetLineSpan()).OrderBy(s => s, StringComparer.Ordinal))
                .ToArray();
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

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>
/// Random sequences of edits to a small project whose annotated types read each other's files in every way the parser
/// knows (a base class, another part, a flattened type, an enum, constants, a global alias, assembly attributes), with
/// unrelated files, body-only edits, names that start to shadow others, and files moved in the compilation. After every
/// edit the incremental run must give what a new driver gives on the same compilation: the generator's keys may
/// cache a parse only when nothing it reads has changed. Seeded, so a failure repeats.
/// </summary>
public partial class IncrementalTests
{
    /// <summary>Each file's versions; the project starts from the first of each.</summary>
    private static readonly string[][] Files =
    [
        // 0: the annotated type A, which reads almost every other file.
        [
            AnnotatedA(""),
            AnnotatedA("public long Extra { get; set; }"),
            AnnotatedA("").Replace("Helper.Compute() * 2", "Helper.Compute() * 3", StringComparison.Ordinal),
            AnnotatedA("").Replace("[OtlpAttribute(Keys.Model)] ", "", StringComparison.Ordinal),
        ],

        // 1: another part of A.
        [
            "namespace Gateway; public sealed partial class A { public string? Region { get; set; } }",
            "namespace Gateway; public sealed partial class A { public string? Zone { get; set; } }",
            "namespace Gateway; public sealed partial class A { [OtlpBroadcast.OtlpIgnore] public string? Region { get; set; } }",
            "namespace Gateway; public sealed partial class A { }",
        ],

        // 2: constants, one built from another.
        [
            "namespace Gateway; public static class Keys { public const string Model = Prefix + \"model\"; public const string Prefix = \"gen_ai.request.\"; }",
            "namespace Gateway; public static class Keys { public const string Model = Prefix + \"model\"; public const string Prefix = \"app.req.\"; }",
            "namespace Gateway; public static class Keys { public const string Model = \"app.model\"; public const string Prefix = \"gen_ai.request.\"; }",
        ],

        // 3: an enum A writes.
        [
            "namespace Gateway; public enum Status { Ready, Done }",
            "namespace Gateway; public enum Status { Ready, Done, Failed }",
            "namespace Gateway; public enum Status { [System.Text.Json.Serialization.JsonStringEnumMemberName(\"ready\")] Ready, Done }",
            "namespace Gateway; public enum Status { Ready, [System.Obsolete(\"old\", true)] Done }",
        ],

        // 4: A's base class.
        [
            "namespace Gateway; public abstract class Base { public string? Tenant { get; set; } }",
            "namespace Gateway; public abstract class Base { public string? Tenant { get; set; } public int Tier { get; set; } }",
            "namespace Gateway; public abstract class Base { [System.Obsolete(\"x\")] public string? Tenant { get; set; } }",
            "namespace Gateway; public abstract class Base { }",
        ],

        // 5: the type A flattens.
        [
            "namespace Gateway; [OtlpBroadcast.OtlpAttributes] public sealed partial class C { public string? Kind { get; set; } }",
            "namespace Gateway; [OtlpBroadcast.OtlpAttributes] public sealed partial class C { public string? Sort { get; set; } }",
            "namespace Gateway; public sealed partial class C { public string? Kind { get; set; } }",
            "namespace Gateway; [OtlpBroadcast.OtlpAttributes] public sealed partial class C { public double? Kind { get; set; } }",
        ],

        // 6: a method A calls only in a body.
        [
            "namespace Gateway; public static class Helper { public static int Compute() => 1; }",
            "namespace Gateway; public static class Helper { public static int Compute() => 2; }",
        ],

        // 7: a global alias A uses as a member type.
        [
            "global using Label = string;",
            "global using Label = long;",
            "global using Label = System.Guid;",
        ],

        // 8: assembly attributes.
        [
            "// no assembly attributes",
            "[assembly: System.Diagnostics.CodeAnalysis.Experimental(\"EXPX\")]",
        ],

        // 9: a file no type reads, until it declares names that others bind to.
        [
            "namespace Gateway; public class Unrelated { public int Value { get; set; } }",
            "namespace Gateway; public class Unrelated { public long Value { get; set; } }",
            "namespace Gateway.System { public class Other { } }",
            "namespace Gateway; public class Status { }",
            "namespace Gateway; public class Label { }",
        ],

        // 10: an annotated type that reads no other file.
        [
            "using OtlpBroadcast; namespace Gateway; [OtlpAttributes] public sealed partial class B { public string? Note { get; set; } }",
            "using OtlpBroadcast; namespace Gateway; [OtlpAttributes] public sealed partial class B { public string? Note { get; set; } public bool Flag { get; set; } }",
        ],

        // 11: polyfills of types the compiler finds without their names in the file that uses them (init, required, a
        // tuple), declared in source as projects for older frameworks do; D's file names none of them.
        [
            "namespace System.Runtime.CompilerServices { internal static class IsExternalInit { } }",
            "// no polyfill",
            "namespace System.Runtime.CompilerServices { [System.Obsolete(\"polyfill\", true)] internal static class IsExternalInit { } }",
            "namespace System.Runtime.CompilerServices { [System.AttributeUsage(System.AttributeTargets.All)] internal sealed class RequiredMemberAttribute : System.Attribute { } }",
            "namespace System { public struct ValueTuple<T1, T2> { public T1 Item1; public T2 Item2; public ValueTuple(T1 a, T2 b) { Item1 = a; Item2 = b; } } }",
        ],

        // 12: an annotated type with init-only and required members, and a tuple (refused), reading file 11 only
        // through the compiler.
        [
            "using OtlpBroadcast; namespace Gateway; [OtlpAttributes] public sealed partial class D { public required string Id { get; init; } public string? Tag { get; init; } }",
            "using OtlpBroadcast; namespace Gateway; [OtlpAttributes] public sealed partial class D { public required string Id { get; init; } public (int, int) Pair { get; init; } }",
        ],
    ];

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(5, false)]
    [InlineData(6, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    [InlineData(6, true)]
    public void RandomEditsGiveWhatANewDriverGives(int seed, bool trackSteps)
    {
        var random = new Random(seed);
        int[] versions = new int[Files.Length];
        CSharpCompilation compilation = TestCompilation.Create([.. Files.Select(f => f[0])]);
        // Both as compilers and IDEs run the driver and with step tracking, as tests and tools do: Roslyn takes other
        // paths through cached tables when it records steps.
        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps).RunGenerators(compilation);
        var steps = new List<string>();

        for (int step = 0; step < 25; step++)
        {
            int file = random.Next(Files.Length);
            SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == $"Source{file}.cs");
            if (random.Next(6) == 0)
            {
                // The same file moved to the end: a partial type's members follow the order of its files.
                compilation = compilation.RemoveSyntaxTrees(old).AddSyntaxTrees(old);
                steps.Add($"move {file}");
            }
            else
            {
                versions[file] = (versions[file] + 1 + random.Next(Files[file].Length - 1)) % Files[file].Length;
                compilation = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Files[file][versions[file]], TestCompilation.ParseOptions, old.FilePath));
                steps.Add($"file {file} version {versions[file]}");
            }

            try
            {
                driver = AssertSameAsFreshRun(driver, compilation);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"seed {seed}, step tracking {trackSteps}, after: {string.Join("; ", steps)}", e);
            }
        }
    }

    /// <summary>
    /// Every version of the polyfill file (11) after every other, with each version of the type that uses it through the
    /// compiler alone (12): no file D's parse reads names the polyfilled types. The incremental run must give what a new
    /// driver gives each time, and D must be written (or refused, with its tuple) each time. None of these polyfill
    /// versions changes the right output, so this shows that such edits neither break nor change the incremental run;
    /// it could not show a kept parse going stale, since no version here makes the kept one wrong.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EditsToAPolyfillGiveWhatANewDriverGives(bool trackSteps)
    {
        const int Polyfill = 11, User = 12;
        CSharpCompilation compilation = TestCompilation.Create([.. Files.Select(f => f[0])]);
        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps).RunGenerators(compilation);
        var steps = new List<string>();
        for (int user = 0; user < Files[User].Length; user++)
        {
            compilation = WithVersion(compilation, User, user);
            for (int from = 0; from < Files[Polyfill].Length; from++)
            {
                for (int to = 0; to < Files[Polyfill].Length; to++)
                {
                    foreach (int version in new[] { from, to })
                    {
                        compilation = WithVersion(compilation, Polyfill, version);
                        steps.Add($"D {user}, polyfill {version}");
                        try
                        {
                            driver = AssertSameAsFreshRun(driver, compilation);

                            // Not a vacuous comparison: D is written, or (with its tuple) refused and not written.
                            GeneratorRunResult result = driver.GetRunResult().Results.Single();
                            Assert.Equal(user == 0, result.GeneratedSources.Any(source => source.HintName.StartsWith("Gateway.D.", StringComparison.Ordinal)));
                            Assert.Equal(user == 1, result.Diagnostics.Any(d => d.Id == "OTB0001"));
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            throw new InvalidOperationException($"step tracking {trackSteps}, after: {string.Join("; ", steps)}", e);
                        }
                    }
                }
            }
        }

        static CSharpCompilation WithVersion(CSharpCompilation compilation, int file, int version)
        {
            SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == $"Source{file}.cs");
            return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Files[file][version], TestCompilation.ParseOptions, old.FilePath));
        }
    }

    /// <summary>As <see cref="RandomEditsGiveWhatANewDriverGives"/>, with files also removed, added back (in any
    /// version, at the end) and put at a random place among the others: a type's base class, another part or its own
    /// file can disappear and come back.</summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void RandomEditsAddingAndRemovingFilesGiveWhatANewDriverGives(int seed, bool trackSteps)
    {
        var random = new Random(seed);
        int[] versions = new int[Files.Length];
        CSharpCompilation compilation = TestCompilation.Create([.. Files.Select(f => f[0])]);
        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps).RunGenerators(compilation);
        var steps = new List<string>();

        for (int step = 0; step < 40; step++)
        {
            int file = random.Next(Files.Length);
            string path = $"Source{file}.cs";
            SyntaxTree? old = compilation.SyntaxTrees.SingleOrDefault(t => t.FilePath == path);
            int operation = random.Next(10);
            if (old is null)
            {
                versions[file] = random.Next(Files[file].Length);
                compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Files[file][versions[file]], TestCompilation.ParseOptions, path));
                steps.Add($"add {file} version {versions[file]}");
            }
            else if (operation < 2)
            {
                compilation = compilation.RemoveSyntaxTrees(old);
                steps.Add($"remove {file}");
            }
            else if (operation == 2)
            {
                List<SyntaxTree> trees = [.. compilation.SyntaxTrees];
                int place = random.Next(trees.Count);
                trees.Remove(old);
                trees.Insert(Math.Min(place, trees.Count), old);
                compilation = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(trees);
                steps.Add($"put {file} at {place}");
            }
            else
            {
                versions[file] = (versions[file] + 1 + random.Next(Files[file].Length - 1)) % Files[file].Length;
                compilation = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Files[file][versions[file]], TestCompilation.ParseOptions, path));
                steps.Add($"file {file} version {versions[file]}");
            }

            try
            {
                driver = AssertSameAsFreshRun(driver, compilation);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"seed {seed}, step tracking {trackSteps}, after: {string.Join("; ", steps)}", e);
            }
        }
    }

    private static string AnnotatedA(string extraMember) => $$"""
        using OtlpBroadcast;

        namespace Gateway;

        [OtlpAttributes(KeyPrefix = "app")]
        public sealed partial class A : Base
        {
            [OtlpAttribute(Keys.Model)] public string Model { get; set; } = "";
            public Status State { get; set; }
            [OtlpFlatten("c")] public C? Child { get; set; }
            public Label? Title { get; set; }
            public int Twice() => Helper.Compute() * 2;
            {{extraMember}}
        }
        """;
}

using Microsoft.CodeAnalysis;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>
/// <c>[OtlpContentSections]</c> lets the broadcaster cut a privacy-mode span out of the span with content: the
/// generator may put it only on a type whose generated writer is the one called and marks all its content.
/// </summary>
public class ContentSectionsMarkTests
{
    private const string Marked = "[global::OtlpBroadcast.OtlpContentSections]";

    private static string Generated(string source, string typeName)
    {
        GeneratorDriverRunResult result = TestCompilation.RunClean(source);
        return result.GeneratedTrees.Single(t => t.FilePath.EndsWith("." + typeName + ".OtlpAttributes.g.cs", StringComparison.Ordinal)).ToString();
    }

    [Fact]
    public void AGeneratedWriterThatMarksAllContentIsMarked()
    {
        string generated = Generated("""
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes]
            public sealed partial class Prompted
            {
                [OtlpAttribute("app.size")] public long Size { get; set; }
                [OtlpAttribute("app.prompt"), OtlpSensitive] public string? Prompt { get; set; }
            }
            """, "Prompted");

        Assert.Contains(Marked, generated);
        Assert.Contains("GeneratedAttributeWriter.BeginContent(ref sink);", generated);
        Assert.Contains("GeneratedAttributeWriter.EndContent(ref sink);", generated);
    }

    [Fact]
    public void ATypeThatImplementsTheWriterItselfIsNotMarked()
    {
        // The explicit implementation is what callers through the interface reach, not the generated method: its
        // content is not marked, so a span cut from the one with content would keep it.
        string generated = Generated("""
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes]
            public sealed partial class OwnWriter
            {
                [OtlpAttribute("app.size")] public long Size { get; set; }
                [OtlpAttribute("app.prompt"), OtlpSensitive] public string? Prompt { get; set; }

                void IOtlpAttributes.WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent)
                {
                    sink.Write("app.size"u8, Size);
                    if (includeContent)
                    {
                        sink.Write("app.custom_prompt"u8, Prompt);
                    }
                }
            }
            """, "OwnWriter");

        Assert.DoesNotContain(Marked, generated);
    }

    [Fact]
    public void ATypeThatHandsTheSinkToANestedWriterIsNotMarked()
    {
        string generated = Generated("""
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes]
            public sealed partial class Counters
            {
                [OtlpAttribute("n")] public long N { get; set; }
            }
            [OtlpAttributes]
            public sealed partial class WithList
            {
                [OtlpAttribute("app.counters")] public Counters? Counters { get; set; }
            }
            """, "WithList");

        Assert.Contains("BeginKeyValueList", generated);
        Assert.DoesNotContain(Marked, generated);
    }
}

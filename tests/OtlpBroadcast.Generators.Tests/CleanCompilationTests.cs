using Microsoft.CodeAnalysis;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>Declarations that are valid C# must give generated code that compiles without a warning.</summary>
public class CleanCompilationTests
{
    [Fact]
    public void ObsoleteAndExperimentalMembersAndTypesAreWrittenWithoutWarnings()
        => TestCompilation.RunClean("""
            using System;
            using System.Collections.Generic;
            using System.Diagnostics.CodeAnalysis;
            using OtlpBroadcast;
            namespace App;
            public enum Mode { Fast, [Obsolete] Slow, [Obsolete("gone", DiagnosticId = "OLD002")] Old }
            [Experimental("EXP002")] public enum Preview { On }
            [OtlpAttributes]
            public partial class Request
            {
                [Obsolete] public int? MaxTokens { get; set; }
                [Obsolete("use Model")] public string? Engine { get; set; }
                [Obsolete("gone", DiagnosticId = "OLD001")] public string? Legacy { get; set; }
                [Experimental("EXP001")] public string? Draft { get; set; }
                public Mode Mode { get; set; }
                [Experimental("EXP004")] public List<Preview>? Previews { get; set; }
            }
            [Obsolete("old type", DiagnosticId = "OLD003"), OtlpAttributes]
            public partial class OldRequest { public string? Model { get; set; } }
            [Experimental("EXP003"), OtlpAttributes]
            public partial class PreviewRequest { public string? Model { get; set; } }
            """);

    [Fact]
    public void MembersAndTypesObsoleteAsAnErrorDoNotBreakTheBuild()
        // CS0619 cannot be suppressed: an obsolete-as-error member is not read, an obsolete-as-error enum value is
        // named by its value, and an obsolete-as-error type keeps its writer but is left out of the JSON context.
        => TestCompilation.RunClean(Sources.ObsoleteAsError, """
            using System;
            using OtlpBroadcast;
            namespace Models;
            [Obsolete("old", true), OtlpAttributes]
            public partial class OldRequest { public string? Model { get; set; } }
            [Obsolete("old", true)]
            public partial class Old
            {
                [OtlpAttributes] public partial class Inner { public string? Model { get; set; } }
            }
            """);

    [Theory]
    [InlineData("partial interface")]
    [InlineData("partial class")]
    [InlineData("partial struct")]
    [InlineData("readonly partial struct")]
    [InlineData("partial record")]
    [InlineData("partial record class")]
    [InlineData("partial record struct")]
    [InlineData("readonly partial record struct")]
    public void AnnotatedTypesNestedInAnyKindOfTypeAreReopenedInIt(string container)
        => TestCompilation.RunClean($$"""
            using OtlpBroadcast;
            namespace App;
            public {{container}} IApi
            {
                [OtlpAttributes] public partial class Request { public string? Model { get; set; } }
            }
            """);

    [Fact]
    public void JsonContextMembersAreUniqueAndLeaveTheContextsOwnAlone()
    {
        GeneratorDriverRunResult result = TestCompilation.RunClean("""
            using OtlpBroadcast;
            [OtlpAttributes] public partial class IncludeContent { public string? Text { get; set; } }
            namespace A { [OtlpAttributes] public partial class Msg { public string? Text { get; set; } } }
            namespace B
            {
                [OtlpAttributes] public partial class Msg { public string? Text { get; set; } }
                [OtlpAttributes] public partial class A_Msg { public string? Text { get; set; } }
            }
            namespace C
            {
                [OtlpAttributes] public partial class NoTe { public string? Text { get; set; } }
                [OtlpAttributes] public partial class noTe { public string? Text { get; set; } }
            }
            """);

        string context = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("OtlpAttributesJsonContext.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("JsonTypeInfo<global::B.A_Msg> A_Msg\n", context, StringComparison.Ordinal);
        Assert.Contains("JsonTypeInfo<global::A.Msg> A_Msg2\n", context, StringComparison.Ordinal);
        Assert.Contains("JsonTypeInfo<global::IncludeContent> IncludeContent\n", context, StringComparison.Ordinal);
    }

    [Fact]
    public void EscapedKeywordsAreLeftOutOfFileNames()
        => Assert.Equal(
            ["My.class.Models.event.OtlpAttributes.g.cs", "OtlpAttributesJsonContext.g.cs"],
            HintNames("""
                using OtlpBroadcast;
                namespace My.@class.Models;
                [OtlpAttributes] public partial class @event { public string? Name { get; set; } }
                """));

    [Fact]
    public void NamesEqualIgnoringCaseGetNumberedFiles()
        => Assert.Equal(
            ["A.DTO.MSG.OtlpAttributes.g.cs", "A.DTO.Msg.OtlpAttributes.2.g.cs", "A.Dto.Msg.OtlpAttributes.3.g.cs", "OtlpAttributesJsonContext.g.cs"],
            HintNames("""
                using OtlpBroadcast;
                namespace A.Dto { [OtlpAttributes] public partial class Msg { public string? Text { get; set; } } }
                namespace A.DTO { [OtlpAttributes] public partial class Msg { public string? Text { get; set; } } }
                namespace A.DTO { [OtlpAttributes] public partial class MSG { public string? Text { get; set; } } }
                """));

    private static IEnumerable<string> HintNames(string source)
        => TestCompilation.RunClean(source).Results.Single().GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal);

    [Fact]
    public void AJsonContextWhoseNamespaceWouldNameATypeMovesUnderOtlpBroadcastGenerated()
    {
        // The assembly is Consumer.Tests: with a class Tests in namespace Consumer, a namespace Consumer.Tests would be
        // a second definition of that name (CS0101, reported on the consumer's class).
        GeneratorDriverRunResult result = TestCompilation.RunClean("""
            using OtlpBroadcast;
            namespace Consumer;
            public class Tests { }
            [OtlpAttributes] public partial class Request { public string? Model { get; set; } }
            """);

        string context = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("OtlpAttributesJsonContext.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("namespace OtlpBroadcast.Generated.Consumer.Tests", context, StringComparison.Ordinal);
    }
}

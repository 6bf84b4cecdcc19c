using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtlpBroadcast.Generators.Emitting;
using OtlpBroadcast.Generators.Model;
using OtlpBroadcast.Generators.Parsing;

namespace OtlpBroadcast.Generators;

/// <summary>
/// Makes every <c>[OtlpAttributes]</c> type implement <c>IOtlpAttributes</c> with a writer that sends its span
/// attributes straight to a sink, and emits one JSON context per assembly for the same form through System.Text.Json.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class OtlpAttributesGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.OtlpAttributes,
                static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                TypeParser.Parse)
            .WithTrackingName(TrackingNames.ParseResults);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = results
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, diagnostic) => output.ReportDiagnostic(diagnostic.ToDiagnostic()));

        IncrementalValuesProvider<TypeSpec> specs = results
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.TypeSpecs);

        // Each file is combined with the hint names that clash ignoring case, not with all of them: adding or editing
        // a type leaves the other files cached unless it makes or removes a clash.
        IncrementalValueProvider<ImmutableEquatableArray<string>> clashingHintNames = specs
            .Select(static (spec, _) => spec.HintName)
            .Collect()
            .Select(static (names, _) => HintNames.Clashing(names))
            .WithTrackingName(TrackingNames.ClashingHintNames);
        context.RegisterSourceOutput(specs.Combine(clashingHintNames), static (output, pair)
            => output.AddSource(HintNames.Unique(pair.Left.HintName, pair.Right), TypeEmitter.Emit(pair.Left)));

        IncrementalValueProvider<string> assemblyNamespace = context.CompilationProvider
            .Select(static (compilation, _) => JsonContextEmitter.NamespaceFor(compilation.AssemblyName, compilation.Assembly.GlobalNamespace))
            .WithTrackingName(TrackingNames.AssemblyNamespace);
        IncrementalValueProvider<JsonContextSpec> jsonContext = specs
            .Where(static spec => !spec.ObsoleteAsError)
            .Select(static (spec, _) => new JsonContextTypeSpec(spec.FullyQualifiedName, spec.Declaration.Name, spec.TypeSuppressedIds))
            .Collect()
            .Combine(assemblyNamespace)
            .Select(static (pair, _) => new JsonContextSpec(
                pair.Right,
                pair.Left.OrderBy(t => t.FullyQualifiedName, StringComparer.Ordinal).ToImmutableEquatableArray()))
            .WithTrackingName(TrackingNames.JsonContext);
        context.RegisterSourceOutput(jsonContext, static (output, spec) =>
        {
            if (spec.Types.Count > 0)
            {
                output.AddSource(JsonContextEmitter.ClassName + ".g.cs", JsonContextEmitter.Emit(spec));
            }
        });
    }
}

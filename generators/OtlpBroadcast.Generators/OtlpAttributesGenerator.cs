using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtlpBroadcast.Generators.Emitting;
using OtlpBroadcast.Generators.Incremental;
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
        // A parse binds its type on the compilation, which is new after any edit; binding 500 types costs hundreds of
        // milliseconds. So a parse runs again only when its key changes (see DeclarationIndex): its own file, a file
        // it can read, the source-wide declarations or the references and options. Finding the types and their keys
        // takes syntax alone, and reads only the files that changed. The parse step keeps its last result per type
        // (ParseMemo), so a parse input Roslyn hands over again, e.g. after a type is added before it, binds nothing.
        IncrementalValueProvider<DeclarationIndex> index = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => new DeclarationIndex(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.DeclarationIndex);
        IncrementalValueProvider<SourceWideDeclarations> sourceWide = index
            .Select(static (index, _) => index.SourceWide)
            .WithTrackingName(TrackingNames.SourceWideDeclarations);
        IncrementalValueProvider<CompilationFacts> facts = context.CompilationProvider
            .Select(static (compilation, _) => new CompilationFacts(compilation))
            .WithTrackingName(TrackingNames.CompilationFacts);
        IncrementalValueProvider<ParseContext> parseContext = sourceWide
            .Combine(facts)
            .Combine(context.CompilationProvider)
            .Select(static (inputs, _) => new ParseContext(inputs.Left.Left, inputs.Left.Right, inputs.Right));

        IncrementalValuesProvider<ParseInput> inputs = index
            .Combine(parseContext)
            .SelectMany(static (pair, _) => pair.Left.Candidates.Select(candidate => new ParseInput(pair.Left.KeyFor(candidate), pair.Right)))
            .WithTrackingName(TrackingNames.ParseKeys);
        IncrementalValuesProvider<ParseResult> results = inputs
            .Select(static (input, cancellationToken) => ParseMemo.Parse(input, cancellationToken))
            .WithTrackingName(TrackingNames.ParseResults);

        // Every step below keeps one item per parsed type, a type without a spec included (as null): a step that drops
        // items leaves empty entries, and Roslyn's step tracking (trackIncrementalGeneratorSteps, used by tests and
        // tools) misaligns the entries after an empty one when it reuses a cached table, which lost a type's output
        // in RandomEditsGiveWhatANewDriverGives with tracking on. Nulls and empty lists are filtered in the outputs.
        IncrementalValuesProvider<ImmutableEquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, diagnostics) =>
        {
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<TypeSpec?> specs = results
            .Select(static (result, _) => result.Spec)
            .WithTrackingName(TrackingNames.TypeSpecs);

        // Each file is combined with the hint names that clash ignoring case, not with all of them: adding or editing
        // a type leaves the other files cached unless it makes or removes a clash.
        IncrementalValueProvider<ImmutableEquatableArray<string>> clashingHintNames = specs
            .Select(static (spec, _) => spec?.HintName)
            .Collect()
            .Select(static (names, _) => HintNames.Clashing(names))
            .WithTrackingName(TrackingNames.ClashingHintNames);
        context.RegisterSourceOutput(specs.Combine(clashingHintNames), static (output, pair) =>
        {
            if (pair.Left is { } spec)
            {
                output.AddSource(HintNames.Unique(spec.HintName, pair.Right), TypeEmitter.Emit(spec));
            }
        });

        // From syntax too: asking the new compilation for its global namespace after every edit costs about a millisecond.
        IncrementalValueProvider<string> assemblyNamespace = index
            .Combine(context.CompilationProvider.Select(static (compilation, _) => compilation.AssemblyName))
            .Select(static (pair, _) => JsonContextEmitter.NamespaceFor(pair.Right, pair.Left.DeclaresTopLevelType))
            .WithTrackingName(TrackingNames.AssemblyNamespace);
        IncrementalValueProvider<JsonContextSpec> jsonContext = specs
            .Select(static (spec, _) => spec is { ObsoleteAsError: false }
                ? new JsonContextTypeSpec(spec.FullyQualifiedName, spec.Declaration.Name, spec.TypeSuppressedIds)
                : null)
            .Collect()
            .Combine(assemblyNamespace)
            .Select(static (pair, _) => new JsonContextSpec(
                pair.Right,
                pair.Left.Where(t => t is not null).Select(t => t!).OrderBy(t => t.FullyQualifiedName, StringComparer.Ordinal).ToImmutableEquatableArray()))
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

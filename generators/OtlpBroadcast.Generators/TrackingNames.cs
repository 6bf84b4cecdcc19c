namespace OtlpBroadcast.Generators;

/// <summary>Names of the incremental steps, so tests can assert that each one is cached after unrelated edits.</summary>
public static class TrackingNames
{
    public const string DeclarationIndex = nameof(DeclarationIndex);
    public const string SourceWideDeclarations = nameof(SourceWideDeclarations);
    public const string CompilationFacts = nameof(CompilationFacts);
    public const string ParseKeys = nameof(ParseKeys);
    public const string ParseResults = nameof(ParseResults);
    public const string Diagnostics = nameof(Diagnostics);
    public const string TypeSpecs = nameof(TypeSpecs);
    public const string ClashingHintNames = nameof(ClashingHintNames);
    public const string AssemblyNamespace = nameof(AssemblyNamespace);
    public const string JsonContext = nameof(JsonContext);
}

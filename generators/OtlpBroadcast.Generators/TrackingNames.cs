namespace OtlpBroadcast.Generators;

/// <summary>Names of the incremental steps, so tests can assert that each one is cached after unrelated edits.</summary>
public static class TrackingNames
{
    public const string ParseResults = nameof(ParseResults);
    public const string Diagnostics = nameof(Diagnostics);
    public const string TypeSpecs = nameof(TypeSpecs);
    public const string ClashingHintNames = nameof(ClashingHintNames);
    public const string AssemblyNamespace = nameof(AssemblyNamespace);
    public const string JsonContext = nameof(JsonContext);
}

namespace OtlpBroadcast.Generators.Model;

/// <summary>One annotated type as the JSON context exposes it, with the obsolete or experimental diagnostic ids
/// naming it reports.</summary>
internal sealed record JsonContextTypeSpec(string FullyQualifiedName, string SimpleName, ImmutableEquatableArray<string> SuppressedIds);

/// <summary>The per-assembly JSON context: its namespace and the types it exposes, in ordinal order of full name.</summary>
internal sealed record JsonContextSpec(string Namespace, ImmutableEquatableArray<JsonContextTypeSpec> Types);

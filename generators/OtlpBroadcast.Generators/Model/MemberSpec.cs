namespace OtlpBroadcast.Generators.Model;

/// <summary>
/// One member to write. <see cref="Children"/> holds the inlined members of a flattened nested type, whose keys
/// already carry the prefix.
/// </summary>
/// <param name="Name">The member's C# identifier, escaped where it is a keyword.</param>
/// <param name="Key">The full attribute key, or the prefix (with trailing dot) of a flattened dictionary.</param>
/// <param name="Sensitive">Written only when content may be written (set on the member or on a flattened parent).</param>
/// <param name="Shape">How the value is written.</param>
/// <param name="CanBeNull">Whether the member needs a null check (reference types and <c>Nullable&lt;T&gt;</c>).</param>
/// <param name="Value">The scalar, the array item or the dictionary value.</param>
/// <param name="NestedTypeName">The fully qualified annotated type of an object member.</param>
/// <param name="Children">The inlined members of a flattened object.</param>
internal sealed record MemberSpec(
    string Name,
    string Key,
    bool Sensitive,
    MemberShape Shape,
    bool CanBeNull,
    ValueSpec? Value,
    string? NestedTypeName,
    ImmutableEquatableArray<MemberSpec> Children);

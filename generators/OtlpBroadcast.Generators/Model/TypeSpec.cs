namespace OtlpBroadcast.Generators.Model;

/// <summary>A type declaration to reopen: its keyword (<c>class</c>, <c>record struct</c>…) and name.</summary>
internal sealed record TypeDeclarationSpec(string Keyword, string Name);

/// <summary>An enum whose member names are written; <see cref="Names"/> pairs each C# member with its written name.</summary>
internal sealed record EnumSpec(string TypeName, ImmutableEquatableArray<EnumMemberSpec> Names);

/// <summary>One enum member and the text written for it.</summary>
/// <param name="Label">How the generated switch names it: <c>Type.Member</c>, or its value cast to the type when the
/// member is obsolete as an error (naming it would not compile).</param>
/// <param name="WrittenName">The text written.</param>
internal sealed record EnumMemberSpec(string Label, string WrittenName);

/// <summary>Everything needed to emit the writer of one annotated type, and nothing that holds a compilation.</summary>
/// <param name="Namespace">The namespace, empty for the global namespace.</param>
/// <param name="Declaration">The annotated type.</param>
/// <param name="ContainingTypes">Outermost first.</param>
/// <param name="FullyQualifiedName">With <c>global::</c>.</param>
/// <param name="HintName">The file name, before names equal ignoring case are told apart (<see cref="Emitting.HintNames"/>).</param>
/// <param name="HidesBaseWriter">A base type is annotated too, so the method needs <c>new</c>.</param>
/// <param name="DeclaresOwnWriter">The type's own source declares a <c>WriteOtlpAttributes</c> (e.g. an explicit
/// interface implementation), which may be the one called instead of the generated method.</param>
/// <param name="Members">In declaration order, base type members first.</param>
/// <param name="Enums">The enums used, for the name helpers.</param>
/// <param name="SuppressedIds">Ids of obsolete and experimental diagnostics the writer's file must suppress.</param>
/// <param name="TypeSuppressedIds">Those of the type itself, for the JSON context that names it.</param>
/// <param name="ObsoleteAsError">The type or a type containing it is <c>[Obsolete(message, true)]</c>: the JSON
/// context leaves it out, since naming it there would not compile.</param>
internal sealed record TypeSpec(
    string Namespace,
    TypeDeclarationSpec Declaration,
    ImmutableEquatableArray<TypeDeclarationSpec> ContainingTypes,
    string FullyQualifiedName,
    string HintName,
    bool HidesBaseWriter,
    bool DeclaresOwnWriter,
    ImmutableEquatableArray<MemberSpec> Members,
    ImmutableEquatableArray<EnumSpec> Enums,
    ImmutableEquatableArray<string> SuppressedIds,
    ImmutableEquatableArray<string> TypeSuppressedIds,
    bool ObsoleteAsError);

/// <summary>The outcome of parsing one annotated type: a spec when it can be emitted, and its diagnostics.</summary>
internal sealed record ParseResult(TypeSpec? Spec, ImmutableEquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The result for a declaration that is not annotated: no type, nothing to report.</summary>
    public static ParseResult None { get; } = new(null, ImmutableEquatableArray<DiagnosticInfo>.Empty);
}

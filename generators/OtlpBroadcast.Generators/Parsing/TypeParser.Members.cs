using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using OtlpBroadcast.Generators.Diagnostics;
using OtlpBroadcast.Generators.Model;

namespace OtlpBroadcast.Generators.Parsing;

internal sealed partial class TypeParser
{
    private static readonly ValueKind[] DictionaryValueKinds =
    {
        ValueKind.String, ValueKind.Bool, ValueKind.Int64, ValueKind.UInt64, ValueKind.Single, ValueKind.Double, ValueKind.Decimal, ValueKind.JsonElement,
    };

    /// <summary>
    /// The members of <paramref name="type"/>, base type members first. With a <paramref name="context"/> the type
    /// is being inlined into the root: its own mistakes are reported on it (it is annotated too), so here only the
    /// mistakes of the combination are reported, at the flattening member.
    /// </summary>
    private List<MemberSpec> ParseMembers(INamedTypeSymbol type, string keyPrefix, bool parentSensitive, FlattenContext? context, List<INamedTypeSymbol> path)
    {
        var result = new List<MemberSpec>();
        foreach (Candidate candidate in ReadableCandidates(type))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (ParseMember(candidate, keyPrefix, parentSensitive, context, path) is { } spec)
            {
                result.Add(spec);
            }
        }

        return result;
    }

    private MemberSpec? ParseMember(Candidate candidate, string keyPrefix, bool parentSensitive, FlattenContext? context, List<INamedTypeSymbol> path)
    {
        ISymbol member = candidate.Member;
        string? typeKeyPrefix = candidate.KeyPrefix;
        MemberAnnotations annotations = candidate.ReadAnnotations();
        AttributeData? keyAttribute = annotations.Key;
        AttributeData? flattenAttribute = annotations.Flatten;
        bool ignore = annotations.Ignore;
        bool sensitive = annotations.Sensitive;
        bool isExplicit = keyAttribute is not null || flattenAttribute is not null || sensitive;
        bool own = context is null;
        Location? location = context?.ReportAt ?? FirstLocation(member);
        string display = context is null ? member.Name : context.DisplayPrefix + member.Name;
        string owner = _root.Name;

        if (ignore)
        {
            if (isExplicit && own)
            {
                Fail(DiagnosticDescriptors.ConflictingAnnotations, location, display, owner, "[OtlpIgnore] together with " + Describe(keyAttribute, flattenAttribute, sensitive));
            }

            return null;
        }

        if (keyAttribute is not null && flattenAttribute is not null)
        {
            FailIf(own, DiagnosticDescriptors.ConflictingAnnotations, location, display, owner, "[OtlpAttribute] and [OtlpFlatten] (a flattened member has a prefix, not a key)");
            return null;
        }

        if (ReadProblem(member) is { } problem)
        {
            if (isExplicit)
            {
                FailIf(own, DiagnosticDescriptors.InaccessibleMember, location, display, owner, problem, _root.Name);
            }

            return null;
        }

        ISymbol readSymbol = member is IPropertySymbol property ? property.GetMethod! : member;
        if (!isExplicit && !IsPublicRead(member))
        {
            return null;
        }

        // A member of the annotated type itself is always accessible to its own generated method.
        if (!SymbolEqualityComparer.Default.Equals(member.ContainingType, _root) && !_compilation.IsSymbolAccessibleWithin(readSymbol, _root))
        {
            Fail(DiagnosticDescriptors.InaccessibleMember, location, display, owner,
                "it is " + AccessibilityText(readSymbol.DeclaredAccessibility) + " in '" + member.ContainingType.Name + "'", _root.Name);
            return null;
        }

        ITypeSymbol memberType = member is IPropertySymbol p ? p.Type : ((IFieldSymbol)member).Type;
        UseSiteDiagnostics.Add(readSymbol, _suppressedIds);
        UseSiteDiagnostics.Add(member, _suppressedIds);
        UseSiteDiagnostics.AddType(memberType, _suppressedIds);
        bool effectiveSensitive = sensitive || parentSensitive;
        string name = TypeClassifier.EscapeIdentifier(member.Name);

        if (flattenAttribute is not null)
        {
            string prefix = FirstArgument(flattenAttribute) ?? string.Empty;
            if (KeyRules.Validate(prefix) is { } invalid)
            {
                FailIf(own, DiagnosticDescriptors.InvalidKey, location, display, owner, prefix, invalid);
                return null;
            }

            return ParseFlattened(member, memberType, name, keyPrefix + prefix + ".", sensitive, effectiveSensitive, location, display, own, path);
        }

        string key = (keyAttribute is null ? null : FirstArgument(keyAttribute))
            ?? (typeKeyPrefix is null ? string.Empty : typeKeyPrefix + ".") + KeyRules.ToSnakeCase(member.Name);
        if (KeyRules.Validate(key) is { } reason)
        {
            FailIf(own, DiagnosticDescriptors.InvalidKey, location, display, owner, key, reason);
            return null;
        }

        string fullKey = keyPrefix + key;
        if (!effectiveSensitive && KeyRules.ContentKeys.Contains(fullKey))
        {
            // Reported on the member, or on the flattening member when the key comes from an inlined type.
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContentKeyNotSensitive, location, display, owner, fullKey));
        }

        MemberSpec? spec = Classify(memberType, name, fullKey, sensitive, effectiveSensitive, location, display, own, path);
        if (spec is not null)
        {
            _keys.Add(new WrittenKey(fullKey, display, location));
        }

        return spec;
    }

    private MemberSpec? ParseFlattened(
        ISymbol member, ITypeSymbol memberType, string name, string prefix, bool sensitive, bool effectiveSensitive,
        Location? location, string display, bool own, List<INamedTypeSymbol> path)
    {
        if (TypeClassifier.TryAnnotated(memberType) is { } nested)
        {
            if (path.Contains(nested, SymbolEqualityComparer.Default))
            {
                Fail(DiagnosticDescriptors.RecursiveType, location, display, _root.Name, CyclePath(path, nested));
                return null;
            }

            path.Add(nested);
            List<MemberSpec> children = ParseMembers(nested, prefix, effectiveSensitive, new FlattenContext(location, display + "."), path);
            path.RemoveAt(path.Count - 1);
            return new MemberSpec(name, prefix, effectiveSensitive, MemberShape.ObjectFlattened, TypeClassifier.CanBeNull(memberType), null,
                nested.ToDisplayString(TypeClassifier.FullyQualified), children.ToImmutableEquatableArray());
        }

        if (TypeClassifier.TryDictionary(memberType, out ITypeSymbol keyType, out ITypeSymbol valueType))
        {
            ValueSpec? value = DictionaryValue(keyType, valueType, memberType, display, location, own);
            if (value is null)
            {
                return null;
            }

            if (sensitive && value.Kind is not (ValueKind.String or ValueKind.JsonElement))
            {
                FailIf(own, DiagnosticDescriptors.SensitiveNotContent, location, display, _root.Name, ShortName(memberType));
                return null;
            }

            // Its keys are unknown until run time, but another dictionary flattened under the same prefix would
            // write the same ones for every entry key both hold. ('<' is never part of a valid key.)
            _keys.Add(new WrittenKey(prefix + "<entry key>", display, location));
            return new MemberSpec(name, prefix, effectiveSensitive, MemberShape.DictionaryFlattened, TypeClassifier.CanBeNull(memberType), value, null,
                ImmutableEquatableArray<MemberSpec>.Empty);
        }

        FailIf(own, DiagnosticDescriptors.InvalidFlatten, location, display, _root.Name, ShortName(memberType));
        return null;
    }

    private MemberSpec? Classify(
        ITypeSymbol memberType, string name, string key, bool sensitive, bool effectiveSensitive,
        Location? location, string display, bool own, List<INamedTypeSymbol> path)
    {
        bool canBeNull = TypeClassifier.CanBeNull(memberType);
        MemberSpec Spec(MemberShape shape, ValueSpec? value, string? nested = null)
            => new(name, key, effectiveSensitive, shape, canBeNull, value, nested, ImmutableEquatableArray<MemberSpec>.Empty);

        if (TypeClassifier.TryScalar(memberType) is { } scalar)
        {
            if (sensitive && scalar.Kind is not (ValueKind.String or ValueKind.JsonElement))
            {
                FailIf(own, DiagnosticDescriptors.SensitiveNotContent, location, display, _root.Name, ShortName(memberType));
                return null;
            }

            RegisterEnum(memberType, scalar);
            return Spec(MemberShape.Scalar, scalar);
        }

        if (TypeClassifier.IsByteArray(memberType))
        {
            return Spec(MemberShape.Bytes, null);
        }

        if (TypeClassifier.TryDictionary(memberType, out ITypeSymbol keyType, out ITypeSymbol valueType))
        {
            ValueSpec? value = DictionaryValue(keyType, valueType, memberType, display, location, own);
            if (value is null)
            {
                return null;
            }

            if (sensitive && value.Kind is not (ValueKind.String or ValueKind.JsonElement))
            {
                FailIf(own, DiagnosticDescriptors.SensitiveNotContent, location, display, _root.Name, ShortName(memberType));
                return null;
            }

            return Spec(MemberShape.DictionaryList, value);
        }

        if (TypeClassifier.TryAnnotated(memberType) is { } nested)
        {
            return CheckNotRecursive(nested, location, display, path)
                ? Spec(sensitive ? MemberShape.ObjectJson : MemberShape.ObjectList, null, nested.ToDisplayString(TypeClassifier.FullyQualified))
                : null;
        }

        if (TypeClassifier.TryCollectionItem(memberType) is { } item)
        {
            if (TypeClassifier.TryScalar(item) is { } itemValue)
            {
                if (sensitive && itemValue.Kind is not (ValueKind.String or ValueKind.JsonElement))
                {
                    FailIf(own, DiagnosticDescriptors.SensitiveNotContent, location, display, _root.Name, ShortName(memberType));
                    return null;
                }

                RegisterEnum(item, itemValue);
                return Spec(MemberShape.Array, itemValue);
            }

            if (TypeClassifier.TryAnnotated(item) is { } itemType)
            {
                if (item is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T })
                {
                    // The content buffer writes IOtlpAttributes values; a Nullable<T> is not one, and reading it
                    // through the interface would box every item.
                    FailIf(own, DiagnosticDescriptors.UnsupportedMemberType, location, display, _root.Name, ShortName(memberType),
                        " (a collection of nullable structs cannot be written as content: use a collection of '" + itemType.Name + "')");
                    return null;
                }

                if (!sensitive)
                {
                    FailIf(own, DiagnosticDescriptors.UnsupportedMemberType, location, display, _root.Name, ShortName(memberType),
                        " (a collection of objects is written only as JSON content: add [OtlpSensitive] if it is content)");
                    return null;
                }

                return CheckNotRecursive(itemType, location, display, path)
                    ? Spec(MemberShape.ObjectArrayJson, null, itemType.ToDisplayString(TypeClassifier.FullyQualified))
                    : null;
            }
        }

        FailIf(own, DiagnosticDescriptors.UnsupportedMemberType, location, display, _root.Name, ShortName(memberType), UnsupportedHint(memberType));
        return null;
    }

    private ValueSpec? DictionaryValue(ITypeSymbol keyType, ITypeSymbol valueType, ITypeSymbol memberType, string display, Location? location, bool own)
    {
        if (keyType.SpecialType != SpecialType.System_String)
        {
            FailIf(own, DiagnosticDescriptors.UnsupportedMemberType, location, display, _root.Name, ShortName(memberType), " (dictionary keys must be strings)");
            return null;
        }

        ValueSpec? value = TypeClassifier.TryScalar(valueType);
        if (value is null || Array.IndexOf(DictionaryValueKinds, value.Kind) < 0)
        {
            FailIf(own, DiagnosticDescriptors.UnsupportedMemberType, location, display, _root.Name, ShortName(memberType),
                " (dictionary values must be strings, booleans, numbers or JsonElement)");
            return null;
        }

        return value;
    }

    private bool CheckNotRecursive(INamedTypeSymbol nested, Location? location, string display, List<INamedTypeSymbol> path)
    {
        var trail = new List<INamedTypeSymbol>(path);
        if (ReachesPath(nested, path, trail, new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default)))
        {
            Fail(DiagnosticDescriptors.RecursiveType, location, display, _root.Name, string.Join(" → ", trail.Select(t => t.Name)));
            return false;
        }

        return true;
    }

    /// <summary>Depth-first search through annotated member types for a type already on <paramref name="path"/>.</summary>
    private bool ReachesPath(INamedTypeSymbol type, List<INamedTypeSymbol> path, List<INamedTypeSymbol> trail, HashSet<INamedTypeSymbol> visited)
    {
        trail.Add(type);
        if (path.Contains(type, SymbolEqualityComparer.Default))
        {
            return true;
        }

        if (visited.Add(type))
        {
            foreach (Candidate readable in ReadableCandidates(type))
            {
                ISymbol member = readable.Member;
                if (readable.ReadAnnotations().Ignore)
                {
                    continue;
                }

                ITypeSymbol memberType = member is IPropertySymbol property ? property.Type : ((IFieldSymbol)member).Type;
                ITypeSymbol candidate = TypeClassifier.TryCollectionItem(memberType) is { } item && memberType.SpecialType != SpecialType.System_String ? item : memberType;
                if (TypeClassifier.TryAnnotated(candidate) is { } next && ReachesPath(next, path, trail, visited))
                {
                    return true;
                }
            }
        }

        trail.RemoveAt(trail.Count - 1);
        return false;
    }

    private void RegisterEnum(ITypeSymbol type, ValueSpec value)
    {
        if (value.Kind != ValueKind.Enum)
        {
            return;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapper)
        {
            type = wrapper.TypeArguments[0];
        }

        if (!_enums.ContainsKey(value.TypeName))
        {
            _enums.Add(value.TypeName, TypeClassifier.DescribeEnum((INamedTypeSymbol)type));

            // The name switch names every member of the enum.
            foreach (ISymbol field in type.GetMembers())
            {
                UseSiteDiagnostics.Add(field, _suppressedIds);
            }
        }
    }

    private void FailIf(bool report, DiagnosticDescriptor descriptor, Location? location, params string[] args)
    {
        if (report)
        {
            Fail(descriptor, location, args);
        }
        else
        {
            // The inlined type reports this mistake on itself; the root only must not be emitted half-written.
            _failed = true;
        }
    }

    /// <summary>
    /// Instance properties and fields a writer could read, most derived declaration winning, each with the
    /// <c>KeyPrefix</c> of the annotated type it belongs to: a base type's members keep the keys its own writer
    /// writes, an unannotated base type's members take the prefix of the nearest annotated type deriving from it, and
    /// an override keeps the prefix of the member it overrides (it is the same attribute).
    /// </summary>
    private static List<Candidate> ReadableCandidates(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        var prefixes = new List<string?>();
        for (INamedTypeSymbol? current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            chain.Add(current);
            prefixes.Add(current.Equals(type, SymbolEqualityComparer.Default) || TypeClassifier.IsAnnotated(current) ? ValidKeyPrefixOf(current) : prefixes[prefixes.Count - 1]);
        }

        var ordered = new List<Candidate>();
        var indexByName = new Dictionary<string, int>();
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            foreach (ISymbol member in chain[i].GetMembers())
            {
                // Kind first: most members are accessors, backing fields and constructors, and it is the cheapest test.
                bool candidate = member.Kind switch
                {
                    SymbolKind.Property => !member.IsImplicitlyDeclared,
                    SymbolKind.Field => !member.IsImplicitlyDeclared && ((IFieldSymbol)member).AssociatedSymbol is null,
                    _ => false,
                };
                if (!candidate)
                {
                    continue;
                }

                if (indexByName.TryGetValue(member.Name, out int index))
                {
                    // An override reads the annotations of the member it overrides; a member hiding another with `new`
                    // takes its place in the writer, so it keeps that member's annotations too (else hiding a
                    // sensitive member would write its content in privacy mode).
                    Candidate previous = ordered[index];
                    ordered[index] = member.IsOverride
                        ? new Candidate(member, previous.KeyPrefix, previous.Hidden)
                        : new Candidate(member, prefixes[i], new[] { previous.Member }.Concat(previous.Hidden).ToArray());
                }
                else
                {
                    indexByName.Add(member.Name, ordered.Count);
                    ordered.Add(new Candidate(member, prefixes[i], Array.Empty<ISymbol>()));
                }
            }
        }

        return ordered;
    }

    /// <summary>The type's <c>KeyPrefix</c>, or null when it has none or an invalid one (reported once, on the
    /// attribute of that type; every derived key would repeat the same mistake).</summary>
    private static string? ValidKeyPrefixOf(INamedTypeSymbol type)
        => KeyPrefixOf(type) is { } prefix && KeyRules.Validate(prefix) is null ? prefix : null;

    private static string? ReadProblem(ISymbol member)
    {
        if (member.IsStatic)
        {
            return member is IFieldSymbol { IsConst: true } ? "it is a constant" : "it is static";
        }

        if (member is IPropertySymbol property)
        {
            if (property.IsIndexer)
            {
                return "it is an indexer";
            }

            if (property.GetMethod is null)
            {
                return "it has no getter";
            }

            if (property.ExplicitInterfaceImplementations.Length > 0)
            {
                // Generated code could read it only through a cast to the interface, which boxes a struct.
                return "it is an explicit interface implementation, which has no name the generated code can read";
            }
        }

        if (UseSiteDiagnostics.IsObsoleteAsError(member) || (member is IPropertySymbol { GetMethod: { } getter } && UseSiteDiagnostics.IsObsoleteAsError(getter)))
        {
            // CS0619 cannot be suppressed: reading it would break the build in the generated file.
            return "it is obsolete as an error ([Obsolete(message, true)]), which the compiler refuses to read in generated code as well";
        }

        return null;
    }

    private static Location? FirstLocation(ISymbol member)
        => member.Locations.Length > 0 ? member.Locations[0] : null;

    /// <summary>The first constructor argument when it is a string (the key of [OtlpAttribute], the prefix of [OtlpFlatten]).</summary>
    private static string? FirstArgument(AttributeData attribute)
        => attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;

    /// <summary>A member type as diagnostics name it; formatted only when a diagnostic needs it.</summary>
    private static string ShortName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private static bool IsPublicRead(ISymbol member)
        => member.DeclaredAccessibility == Accessibility.Public
            && (member is not IPropertySymbol property || property.GetMethod!.DeclaredAccessibility == Accessibility.Public);

    private static string AccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.Internal => "internal",
        _ => "not accessible",
    };

    private static string Describe(AttributeData? key, AttributeData? flatten, bool sensitive)
    {
        var parts = new List<string>();
        if (key is not null)
        {
            parts.Add("[OtlpAttribute]");
        }

        if (flatten is not null)
        {
            parts.Add("[OtlpFlatten]");
        }

        if (sensitive)
        {
            parts.Add("[OtlpSensitive]");
        }

        return string.Join(" and ", parts);
    }

    private static string UnsupportedHint(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapper)
        {
            type = wrapper.TypeArguments[0];
        }

        if (type is not INamedTypeSymbol named || named.TypeKind is not (TypeKind.Class or TypeKind.Struct) || named.SpecialType != SpecialType.None)
        {
            return string.Empty;
        }

        if (named.IsValueType && named.AllInterfaces.Any(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T))
        {
            // A default ImmutableArray<T> throws when enumerated, so value-type collections are not read.
            return " (value-type collections such as ImmutableArray<T> are not supported: use an array or a list)";
        }

        // Only a type of the project's own source can be annotated: the hint would be no help for ReadOnlyMemory<T>.
        return named.Locations.Any(l => l.IsInSource) && TypeClassifier.TryCollectionItem(named) is null
            ? " (annotate '" + named.Name + "' with [OtlpAttributes] to write it as a nested object)"
            : string.Empty;
    }

    private static string CyclePath(List<INamedTypeSymbol> path, INamedTypeSymbol repeated)
        => string.Join(" → ", path.Select(t => t.Name).Concat(new[] { repeated.Name }));

    /// <summary>A member a writer could read, the <c>KeyPrefix</c> its derived key takes, and the base members it
    /// hides with <c>new</c> (nearest first).</summary>
    private readonly struct Candidate
    {
        public Candidate(ISymbol member, string? keyPrefix, ISymbol[] hidden)
        {
            Member = member;
            KeyPrefix = keyPrefix;
            Hidden = hidden;
        }

        public ISymbol Member { get; }

        public string? KeyPrefix { get; }

        public ISymbol[] Hidden { get; }

        /// <summary>The annotations of the member, then of the members it hides: see <see cref="MemberAnnotations.Read"/>.</summary>
        public MemberAnnotations ReadAnnotations()
        {
            MemberAnnotations annotations = MemberAnnotations.Read(Member);
            foreach (ISymbol hidden in Hidden)
            {
                annotations = annotations.Then(MemberAnnotations.Read(hidden));
            }

            return annotations;
        }
    }

    /// <summary>The generator's attributes on one member and the members it overrides.</summary>
    private readonly struct MemberAnnotations
    {
        private MemberAnnotations(AttributeData? key, AttributeData? flatten, bool ignore, bool sensitive)
        {
            Key = key;
            Flatten = flatten;
            Ignore = ignore;
            Sensitive = sensitive;
        }

        public AttributeData? Key { get; }

        public AttributeData? Flatten { get; }

        public bool Ignore { get; }

        public bool Sensitive { get; }

        /// <summary>
        /// The annotations of <paramref name="member"/> and of every member it overrides. Roslyn gives an override
        /// only the attributes written on it, but the override is the same attribute: it may add annotations, and
        /// never loses [OtlpSensitive] or [OtlpIgnore] of a declaration it overrides (that would send content to
        /// destinations in privacy mode). The key or flatten prefix is the nearest one declared, so an override
        /// that names its own key moves the value, as it may replace the value itself.
        /// </summary>
        public static MemberAnnotations Read(ISymbol member)
        {
            AttributeData? key = null;
            AttributeData? flatten = null;
            bool ignore = false;
            bool sensitive = false;
            for (ISymbol? declaration = member; declaration is not null; declaration = (declaration as IPropertySymbol)?.OverriddenProperty)
            {
                AttributeData? declaredKey = null;
                AttributeData? declaredFlatten = null;
                foreach (AttributeData attribute in declaration.GetAttributes())
                {
                    INamedTypeSymbol? type = attribute.AttributeClass;
                    if (KnownNames.OtlpAttribute.Matches(type))
                    {
                        declaredKey ??= attribute;
                    }
                    else if (KnownNames.OtlpFlatten.Matches(type))
                    {
                        declaredFlatten ??= attribute;
                    }
                    else if (KnownNames.OtlpIgnore.Matches(type))
                    {
                        ignore = true;
                    }
                    else if (KnownNames.OtlpSensitive.Matches(type))
                    {
                        sensitive = true;
                    }
                }

                if (key is null && flatten is null)
                {
                    key = declaredKey;
                    flatten = declaredFlatten;
                }
            }

            return new MemberAnnotations(key, flatten, ignore, sensitive);
        }

        /// <summary>These annotations, completed by those of a member declared further down the hierarchy: the key or
        /// prefix only when none is declared here, [OtlpIgnore] and [OtlpSensitive] always.</summary>
        public MemberAnnotations Then(MemberAnnotations further)
            => Key is null && Flatten is null
                ? new MemberAnnotations(further.Key, further.Flatten, Ignore || further.Ignore, Sensitive || further.Sensitive)
                : new MemberAnnotations(Key, Flatten, Ignore || further.Ignore, Sensitive || further.Sensitive);
    }
}

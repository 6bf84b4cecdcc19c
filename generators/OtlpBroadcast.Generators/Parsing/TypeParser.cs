using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtlpBroadcast.Generators.Diagnostics;
using OtlpBroadcast.Generators.Model;

namespace OtlpBroadcast.Generators.Parsing;

/// <summary>
/// Turns one <c>[OtlpAttributes]</c> type into a <see cref="TypeSpec"/> and its diagnostics. Runs inside the
/// incremental transform, so it reads symbols but lets none escape into the result.
/// </summary>
internal sealed partial class TypeParser
{
    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol _root;
    private readonly CancellationToken _cancellationToken;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly SortedDictionary<string, EnumSpec> _enums = new(StringComparer.Ordinal);
    private readonly List<WrittenKey> _keys = new();
    private bool _failed;

    private TypeParser(Compilation compilation, INamedTypeSymbol root, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        _root = root;
        _cancellationToken = cancellationToken;
    }

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
        {
            return new ParseResult(null, ImmutableEquatableArray<DiagnosticInfo>.Empty);
        }

        return new TypeParser(context.SemanticModel.Compilation, type, cancellationToken).Run(declaration);
    }

    private ParseResult Run(TypeDeclarationSyntax declaration)
    {
        Location typeLocation = declaration.Identifier.GetLocation();
        CheckType(typeLocation);
        CheckKeyPrefix();

        var path = new List<INamedTypeSymbol> { _root };
        List<MemberSpec> members = ParseMembers(_root, string.Empty, parentSensitive: false, context: null, path);
        CheckDuplicateKeys();

        var diagnostics = _diagnostics.ToImmutableEquatableArray();
        if (_failed)
        {
            return new ParseResult(null, diagnostics);
        }

        string fullName = _root.ToDisplayString(TypeClassifier.FullyQualified);
        var spec = new TypeSpec(
            _root.ContainingNamespace.IsGlobalNamespace ? string.Empty : _root.ContainingNamespace.ToDisplayString(),
            Describe(_root),
            ContainingTypes(_root).Select(Describe).ToImmutableEquatableArray(),
            fullName,
            fullName.Replace("global::", string.Empty) + ".OtlpAttributes.g.cs",
            HidesBaseWriter: BaseTypes(_root).Any(TypeClassifier.IsAnnotated),
            members.ToImmutableEquatableArray(),
            _enums.Values.ToImmutableEquatableArray());
        return new ParseResult(spec, diagnostics);
    }

    private void CheckType(Location location)
    {
        string name = _root.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        if (_root.TypeParameters.Length > 0 || ContainingTypes(_root).Any(t => t.TypeParameters.Length > 0))
        {
            Fail(DiagnosticDescriptors.UnsupportedAnnotatedType, location, name, "generic types are not supported; annotate a non-generic type");
        }
        else if (_root.IsStatic)
        {
            Fail(DiagnosticDescriptors.UnsupportedAnnotatedType, location, name, "a static class has no instances to write; remove the attribute");
        }
        else if (_root.IsRefLikeType)
        {
            Fail(DiagnosticDescriptors.UnsupportedAnnotatedType, location, name, "a ref struct cannot implement IOtlpAttributes; use a struct or class");
        }
        else if (new[] { _root }.Concat(ContainingTypes(_root)).Any(t => t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal))
        {
            Fail(DiagnosticDescriptors.UnsupportedAnnotatedType, location, name,
                "it is private or protected, but the generated JSON context of the assembly must refer to it; make it internal or public");
        }

        if (!IsPartial(_root))
        {
            Fail(DiagnosticDescriptors.TypeMustBePartial, location, name, string.Empty);
        }
        else if (ContainingTypes(_root).FirstOrDefault(t => !IsPartial(t)) is { } outer)
        {
            Fail(DiagnosticDescriptors.TypeMustBePartial, location, name, ", and so must its containing type '" + outer.Name + "'");
        }
    }

    private void CheckKeyPrefix()
    {
        AttributeData? attribute = FindAttribute(_root, KnownNames.OtlpAttributes);
        string? prefix = KeyPrefixOf(_root);
        if (attribute is not null && prefix is not null && KeyRules.Validate(prefix) is { } problem)
        {
            Fail(DiagnosticDescriptors.InvalidKey, AttributeLocation(attribute), "KeyPrefix", _root.Name, prefix, problem);
        }
    }

    private void CheckDuplicateKeys()
    {
        var seen = new Dictionary<string, WrittenKey>(StringComparer.Ordinal);
        foreach (WrittenKey key in _keys)
        {
            if (seen.TryGetValue(key.Key, out WrittenKey? first))
            {
                Fail(DiagnosticDescriptors.DuplicateKey, key.Location, key.Member, _root.Name, key.Key, first.Member);
            }
            else
            {
                seen.Add(key.Key, key);
            }
        }
    }

    private void Fail(DiagnosticDescriptor descriptor, Location? location, params string[] args)
    {
        _failed = true;
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));
    }

    private static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is not TypeDeclarationSyntax syntax || syntax.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static TypeDeclarationSpec Describe(INamedTypeSymbol type)
    {
        string keyword = type.IsRecord
            ? (type.IsValueType ? "record struct" : "record")
            : (type.IsValueType ? "struct" : "class");
        return new TypeDeclarationSpec(keyword, TypeClassifier.EscapeIdentifier(type.Name));
    }

    private static IEnumerable<INamedTypeSymbol> ContainingTypes(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            chain.Insert(0, outer);
        }

        return chain;
    }

    private static IEnumerable<INamedTypeSymbol> BaseTypes(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type.BaseType; current is not null; current = current.BaseType)
        {
            yield return current;
        }
    }

    private static AttributeData? FindAttribute(ISymbol symbol, string name)
        => symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == name);

    private static Location? AttributeLocation(AttributeData attribute)
        => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    private static string? KeyPrefixOf(INamedTypeSymbol type)
    {
        AttributeData? attribute = FindAttribute(type, KnownNames.OtlpAttributes);
        foreach (KeyValuePair<string, TypedConstant> argument in attribute?.NamedArguments ?? Enumerable.Empty<KeyValuePair<string, TypedConstant>>())
        {
            if (argument.Key == "KeyPrefix" && argument.Value.Value is string prefix)
            {
                return prefix;
            }
        }

        return null;
    }

    /// <summary>A key as written, with the member that writes it, for the duplicate check.</summary>
    private sealed record WrittenKey(string Key, string Member, Location? Location);

    /// <summary>Where diagnostics about an inlined (flattened) member go: the flattening member of the root type.</summary>
    private sealed record FlattenContext(Location? ReportAt, string DisplayPrefix);
}

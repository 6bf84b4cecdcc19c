using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtlpBroadcast.Generators.Diagnostics;
using OtlpBroadcast.Generators.Emitting;
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
    private readonly SortedSet<string> _suppressedIds = new(StringComparer.Ordinal);
    private bool _failed;

    private TypeParser(Compilation compilation, INamedTypeSymbol root, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        _root = root;
        _cancellationToken = cancellationToken;
    }

    /// <summary>
    /// Parses <paramref name="declaration"/> when it carries <c>[OtlpAttributes]</c> itself (a partial type is parsed
    /// once per declaration that carries it); otherwise gives an empty result.
    /// </summary>
    public static ParseResult Parse(TypeDeclarationSyntax declaration, Compilation compilation, CancellationToken cancellationToken)
    {
        SemanticModel model = compilation.GetSemanticModel(declaration.SyntaxTree);
        // A declaration without a name (a syntax error the compiler reports) gets no code: its empty name broke the JSON context.
        if (model.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type || type.Name.Length == 0 || !IsAnnotatedAt(type, declaration))
        {
            return ParseResult.None;
        }

        return new TypeParser(compilation, type, cancellationToken).Run(declaration);
    }

    /// <summary>Whether the type's first <c>[OtlpAttributes]</c> is applied in this declaration: a type annotated twice
    /// (an error the compiler reports, e.g. in two parts) is parsed once, not once per part with the same hint name.</summary>
    private static bool IsAnnotatedAt(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (KnownNames.OtlpAttributesType.Matches(attribute.AttributeClass))
            {
                return attribute.ApplicationSyntaxReference is { } application
                    && application.SyntaxTree == declaration.SyntaxTree
                    && declaration.Span.Contains(application.Span);
            }
        }

        return false;
    }

    private ParseResult Run(TypeDeclarationSyntax declaration)
    {
        List<INamedTypeSymbol> containingTypes = ContainingTypes(_root);
        CheckType(declaration, containingTypes);
        CheckKeyPrefix();

        var path = new List<INamedTypeSymbol> { _root };
        List<MemberSpec> members = ParseMembers(_root, string.Empty, parentSensitive: false, context: null, path);
        CheckDuplicateKeys();

        var diagnostics = _diagnostics.ToImmutableEquatableArray();
        if (_failed)
        {
            return new ParseResult(null, diagnostics);
        }

        var containing = new List<TypeDeclarationSpec>(containingTypes.Count);
        foreach (INamedTypeSymbol outer in containingTypes)
        {
            containing.Add(Describe(outer));
        }

        // Not generic (CheckType refuses generic types), so the names can be composed without the display formatter.
        string fullName = TypeClassifier.FullyQualifiedName(_root);
        var typeIds = new SortedSet<string>(StringComparer.Ordinal);
        UseSiteDiagnostics.Add(_root, typeIds);
        _suppressedIds.UnionWith(typeIds);
        var spec = new TypeSpec(
            TypeClassifier.NamespaceName(_root),
            Describe(_root),
            containing.ToImmutableEquatableArray(),
            fullName,
            HintNames.For(fullName),
            HidesBaseWriter: HasAnnotatedBase(_root),
            DeclaresOwnWriter: DeclaresOwnWriter(_root),
            members.ToImmutableEquatableArray(),
            _enums.Values.ToImmutableEquatableArray(),
            _suppressedIds.ToImmutableEquatableArray(),
            typeIds.ToImmutableEquatableArray(),
            UseSiteDiagnostics.IsObsoleteAsErrorWithContainers(_root));
        return new ParseResult(spec, diagnostics);
    }

    /// <summary>Whether the type's own source declares a writer (the generator's output is not part of the compilation
    /// it reads, so any method of that name is the user's): public, or an explicit implementation of the interface.</summary>
    private static bool DeclaresOwnWriter(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IMethodSymbol method
                && (method.Name == "WriteOtlpAttributes" || method.Name.EndsWith(".WriteOtlpAttributes", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private void CheckType(TypeDeclarationSyntax declaration, List<INamedTypeSymbol> containingTypes)
    {
        // The generated code uses UTF-8 string literals ("key"u8); in an older project it would not compile.
        if (declaration.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp11 } options)
        {
            FailType(DiagnosticDescriptors.LanguageVersionTooOld, declaration, options.LanguageVersion.ToDisplayString());
        }

        if (_root.TypeParameters.Length > 0 || containingTypes.Exists(t => t.TypeParameters.Length > 0))
        {
            FailType(DiagnosticDescriptors.UnsupportedAnnotatedType, declaration, "generic types are not supported; annotate a non-generic type");
        }
        else if (_root.IsStatic)
        {
            FailType(DiagnosticDescriptors.UnsupportedAnnotatedType, declaration, "a static class has no instances to write; remove the attribute");
        }
        else if (_root.IsRefLikeType)
        {
            FailType(DiagnosticDescriptors.UnsupportedAnnotatedType, declaration, "a ref struct cannot implement IOtlpAttributes; use a struct or class");
        }
        else if (_root.IsFileLocal || containingTypes.Exists(t => t.IsFileLocal))
        {
            FailType(DiagnosticDescriptors.UnsupportedAnnotatedType, declaration,
                "a file-local type cannot be extended from the generated file, nor named by the JSON context of the assembly; make it internal or public");
        }
        else if (IsPrivateOrProtected(_root) || containingTypes.Exists(IsPrivateOrProtected))
        {
            FailType(DiagnosticDescriptors.UnsupportedAnnotatedType, declaration,
                "it is private or protected, but the generated JSON context of the assembly must refer to it; make it internal or public");
        }

        if (!IsPartial(_root))
        {
            FailType(DiagnosticDescriptors.TypeMustBePartial, declaration, string.Empty);
        }
        else if (containingTypes.Find(t => !IsPartial(t)) is { } outer)
        {
            FailType(DiagnosticDescriptors.TypeMustBePartial, declaration, ", and so must its containing type '" + outer.Name + "'");
        }
    }

    /// <summary>A diagnostic about the annotated type itself, at its name; the name is formatted only here, on failure.</summary>
    private void FailType(DiagnosticDescriptor descriptor, TypeDeclarationSyntax declaration, string detail)
        => Fail(descriptor, declaration.Identifier.GetLocation(), _root.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), detail);

    private void CheckKeyPrefix()
    {
        AttributeData? attribute = KnownNames.OtlpAttributesType.FindIn(_root.GetAttributes());
        if (attribute is not null && KeyPrefixOf(attribute) is { } prefix && KeyRules.Validate(prefix) is { } problem)
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
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is TypeDeclarationSyntax syntax && !syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPrivateOrProtected(INamedTypeSymbol type)
        => type.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal;

    private static TypeDeclarationSpec Describe(INamedTypeSymbol type)
    {
        // An annotated type may be nested in an interface, which is reopened as one.
        string keyword = type.TypeKind == TypeKind.Interface ? "interface"
            : type.IsRecord ? (type.IsValueType ? "record struct" : "record")
            : (type.IsValueType ? "struct" : "class");
        return new TypeDeclarationSpec(keyword, TypeClassifier.EscapeIdentifier(type.Name));
    }

    /// <summary>The types <paramref name="type"/> is nested in, outermost first.</summary>
    private static List<INamedTypeSymbol> ContainingTypes(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            chain.Insert(0, outer);
        }

        return chain;
    }

    private static bool HasAnnotatedBase(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (TypeClassifier.IsAnnotated(current))
            {
                return true;
            }
        }

        return false;
    }

    private static Location? AttributeLocation(AttributeData attribute)
        => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    private static string? KeyPrefixOf(INamedTypeSymbol type)
        => KnownNames.OtlpAttributesType.FindIn(type.GetAttributes()) is { } attribute ? KeyPrefixOf(attribute) : null;

    private static string? KeyPrefixOf(AttributeData attribute)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
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

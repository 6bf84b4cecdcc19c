using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using OtlpBroadcast.Generators.Model;

namespace OtlpBroadcast.Generators.Parsing;

/// <summary>Recognises the .NET types that map to OTLP values.</summary>
internal static class TypeClassifier
{
    public static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary>A scalar value, unwrapping <c>Nullable&lt;T&gt;</c>; <see langword="null"/> for anything else.</summary>
    public static ValueSpec? TryScalar(ITypeSymbol type)
    {
        bool nullable = false;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapper)
        {
            type = wrapper.TypeArguments[0];
            nullable = true;
        }

        ValueKind? kind = type.SpecialType switch
        {
            SpecialType.System_String => ValueKind.String,
            SpecialType.System_Boolean => ValueKind.Bool,
            SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 => ValueKind.Int64,
            SpecialType.System_UInt64 => ValueKind.UInt64,
            SpecialType.System_Single => ValueKind.Single,
            SpecialType.System_Double => ValueKind.Double,
            SpecialType.System_Decimal => ValueKind.Decimal,
            SpecialType.System_DateTime => ValueKind.DateTime,
            _ => null,
        };

        if (kind is null)
        {
            if (type.TypeKind == TypeKind.Enum)
            {
                kind = ValueKind.Enum;
            }
            else
            {
                kind = MetadataName(type) switch
                {
                    KnownNames.Guid => ValueKind.Guid,
                    KnownNames.DateTimeOffset => ValueKind.DateTimeOffset,
                    KnownNames.TimeSpan => ValueKind.TimeSpan,
                    KnownNames.JsonElement => ValueKind.JsonElement,
                    _ => null,
                };
            }
        }

        return kind is null ? null : new ValueSpec(kind.Value, type.ToDisplayString(FullyQualified), nullable);
    }

    /// <summary>Whether the type (or the <c>T</c> of <c>Nullable&lt;T&gt;</c>) carries <c>[OtlpAttributes]</c>.</summary>
    public static INamedTypeSymbol? TryAnnotated(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapper)
        {
            type = wrapper.TypeArguments[0];
        }

        return type is INamedTypeSymbol named && IsAnnotated(named) ? named : null;
    }

    public static bool IsAnnotated(INamedTypeSymbol type)
        => type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.OtlpAttributes);

    /// <summary>The key and value types of a dictionary (the type itself or one of its interfaces).</summary>
    public static bool TryDictionary(ITypeSymbol type, out ITypeSymbol key, out ITypeSymbol value)
    {
        foreach (INamedTypeSymbol candidate in SelfAndInterfaces(type))
        {
            string name = candidate.OriginalDefinition.ToDisplayString();
            if (name is "System.Collections.Generic.IDictionary<TKey, TValue>" or "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>")
            {
                key = candidate.TypeArguments[0];
                value = candidate.TypeArguments[1];
                return true;
            }
        }

        key = value = null!;
        return false;
    }

    /// <summary>
    /// The item type of an array or a reference-type collection. Value-type collections are left out: a default
    /// <c>ImmutableArray&lt;T&gt;</c> would throw when enumerated.
    /// </summary>
    public static ITypeSymbol? TryCollectionItem(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol array)
        {
            return array.Rank == 1 ? array.ElementType : null;
        }

        if (type.IsValueType)
        {
            return null;
        }

        foreach (INamedTypeSymbol candidate in SelfAndInterfaces(type))
        {
            if (candidate.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                return candidate.TypeArguments[0];
            }
        }

        return null;
    }

    public static bool IsByteArray(ITypeSymbol type)
        => type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte };

    public static bool CanBeNull(ITypeSymbol type)
        => !type.IsValueType || type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };

    /// <summary>Enum members and the text written for them; aliases (equal values) keep the first name.</summary>
    public static EnumSpec DescribeEnum(INamedTypeSymbol enumType)
    {
        var names = new List<EnumMemberSpec>();
        var seen = new HashSet<object>();
        foreach (ISymbol member in enumType.GetMembers())
        {
            if (member is not IFieldSymbol { HasConstantValue: true } field || !seen.Add(field.ConstantValue!))
            {
                continue;
            }

            string written = field.Name;
            foreach (AttributeData attribute in field.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == KnownNames.JsonStringEnumMemberName
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string custom)
                {
                    written = custom;
                }
            }

            names.Add(new EnumMemberSpec(EscapeIdentifier(field.Name), written));
        }

        return new EnumSpec(enumType.ToDisplayString(FullyQualified), names.ToImmutableEquatableArray());
    }

    public static string EscapeIdentifier(string name)
        => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    private static string MetadataName(ITypeSymbol type)
        => type.ContainingNamespace is null || type.ContainingNamespace.IsGlobalNamespace
            ? type.MetadataName
            : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;

    private static IEnumerable<INamedTypeSymbol> SelfAndInterfaces(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol named)
        {
            yield return named;
        }

        foreach (INamedTypeSymbol item in type.AllInterfaces)
        {
            yield return item;
        }
    }
}

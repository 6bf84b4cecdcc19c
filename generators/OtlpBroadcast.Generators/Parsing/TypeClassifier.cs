using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
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
            else if (KnownNames.Guid.Matches(type))
            {
                kind = ValueKind.Guid;
            }
            else if (KnownNames.DateTimeOffset.Matches(type))
            {
                kind = ValueKind.DateTimeOffset;
            }
            else if (KnownNames.TimeSpan.Matches(type))
            {
                kind = ValueKind.TimeSpan;
            }
            else if (KnownNames.JsonElement.Matches(type))
            {
                kind = ValueKind.JsonElement;
            }
        }

        return kind is null
            ? null
            : new ValueSpec(kind.Value, ScalarTypeName(type, kind.Value), nullable,
                type is INamedTypeSymbol { EnumUnderlyingType.SpecialType: SpecialType.System_UInt64 });
    }

    /// <summary>
    /// What <c>type.ToDisplayString(FullyQualified)</c> gives for a scalar type, without formatting it: every scalar
    /// but an enum has a fixed name. The parser runs for every member on every compilation change.
    /// </summary>
    private static string ScalarTypeName(ITypeSymbol type, ValueKind kind) => type.SpecialType switch
    {
        SpecialType.System_String => "string",
        SpecialType.System_Boolean => "bool",
        SpecialType.System_SByte => "sbyte",
        SpecialType.System_Byte => "byte",
        SpecialType.System_Int16 => "short",
        SpecialType.System_UInt16 => "ushort",
        SpecialType.System_Int32 => "int",
        SpecialType.System_UInt32 => "uint",
        SpecialType.System_Int64 => "long",
        SpecialType.System_UInt64 => "ulong",
        SpecialType.System_Single => "float",
        SpecialType.System_Double => "double",
        SpecialType.System_Decimal => "decimal",
        SpecialType.System_DateTime => "global::System.DateTime",
        _ => kind switch
        {
            ValueKind.Guid => "global::System.Guid",
            ValueKind.DateTimeOffset => "global::System.DateTimeOffset",
            ValueKind.TimeSpan => "global::System.TimeSpan",
            ValueKind.JsonElement => "global::System.Text.Json.JsonElement",
            _ => type.ToDisplayString(FullyQualified),
        },
    };

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
        => KnownNames.OtlpAttributesType.FindIn(type.GetAttributes()) is not null;

    /// <summary>The key and value types of a dictionary (the type itself or one of its interfaces).</summary>
    public static bool TryDictionary(ITypeSymbol type, out ITypeSymbol key, out ITypeSymbol value)
    {
        if (FindInterfaceTypeArguments(type, IsDictionaryInterface) is { } arguments)
        {
            key = arguments[0];
            value = arguments[1];
            return true;
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

        return FindInterfaceTypeArguments(type, IsEnumerableInterface)?[0];
    }

    private static bool IsDictionaryInterface(INamedTypeSymbol type)
        => KnownNames.IDictionary.Matches(type) || KnownNames.IReadOnlyDictionary.Matches(type);

    private static bool IsEnumerableInterface(INamedTypeSymbol type)
        => type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T;

    /// <summary>
    /// The type arguments of the first interface <paramref name="type"/> is or implements that <paramref name="wanted"/>
    /// accepts, in <see cref="ITypeSymbol.AllInterfaces"/> order. Roslyn builds the interfaces of a constructed generic
    /// type anew for every instance it binds (one per member declared as <c>List&lt;string&gt;</c>, on every
    /// compilation), but those of its definition once; so they are looked up on the definition, and the interface's
    /// type arguments, when they are the definition's own type parameters, are mapped to the constructed type's.
    /// </summary>
    private static ImmutableArray<ITypeSymbol>? FindInterfaceTypeArguments(ITypeSymbol type, System.Func<INamedTypeSymbol, bool> wanted)
    {
        if (type is INamedTypeSymbol named)
        {
            if (wanted(named))
            {
                return named.TypeArguments;
            }

            INamedTypeSymbol definition = named.OriginalDefinition;
            if (named.IsGenericType && !SymbolEqualityComparer.Default.Equals(named, definition))
            {
                foreach (INamedTypeSymbol candidate in definition.AllInterfaces)
                {
                    if (wanted(candidate))
                    {
                        if (MapToConstructed(candidate.TypeArguments, named) is { } mapped)
                        {
                            return mapped;
                        }

                        break;
                    }
                }
            }
        }

        foreach (INamedTypeSymbol candidate in type.AllInterfaces)
        {
            if (wanted(candidate))
            {
                return candidate.TypeArguments;
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="arguments"/> (written in the type parameters of the definition of <paramref name="constructed"/>)
    /// with each type parameter replaced by the constructed type's argument; <see langword="null"/> when an argument is
    /// anything else (e.g. <c>KeyValuePair&lt;TKey, TValue&gt;</c>), which needs Roslyn's substitution.
    /// </summary>
    private static ImmutableArray<ITypeSymbol>? MapToConstructed(ImmutableArray<ITypeSymbol> arguments, INamedTypeSymbol constructed)
    {
        ImmutableArray<ITypeSymbol>.Builder mapped = ImmutableArray.CreateBuilder<ITypeSymbol>(arguments.Length);
        foreach (ITypeSymbol argument in arguments)
        {
            if (argument is not ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Type } parameter
                || !SymbolEqualityComparer.Default.Equals(parameter.DeclaringType, constructed.OriginalDefinition))
            {
                return null;
            }

            mapped.Add(constructed.TypeArguments[parameter.Ordinal]);
        }

        return mapped.MoveToImmutable();
    }

    public static bool IsByteArray(ITypeSymbol type)
        => type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte };

    public static bool CanBeNull(ITypeSymbol type)
        => !type.IsValueType || type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };

    /// <summary>Enum members and the text written for them; aliases (equal values) keep the first name.</summary>
    public static EnumSpec DescribeEnum(INamedTypeSymbol enumType)
    {
        string typeName = enumType.ToDisplayString(FullyQualified);
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
                if (KnownNames.JsonStringEnumMemberName.Matches(attribute.AttributeClass)
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string custom)
                {
                    written = custom;
                }
            }

            string label = UseSiteDiagnostics.IsObsoleteAsError(field)
                ? "(" + typeName + ")(" + System.Convert.ToString(field.ConstantValue, CultureInfo.InvariantCulture) + ")"
                : typeName + "." + EscapeIdentifier(field.Name);
            names.Add(new EnumMemberSpec(label, written));
        }

        return new EnumSpec(typeName, names.ToImmutableEquatableArray());
    }

    /// <summary>
    /// What <c>type.ToDisplayString(FullyQualified)</c> gives for a non-generic type, composed from its name parts
    /// (the parser runs for every annotated type on every compilation change; the display formatter is slow).
    /// </summary>
    public static string FullyQualifiedName(INamedTypeSymbol nonGenericType)
    {
        var name = new StringBuilder("global::");
        string containingNamespace = NamespaceName(nonGenericType);
        if (containingNamespace.Length > 0)
        {
            name.Append(containingNamespace).Append('.');
        }

        var outer = new List<string>();
        for (INamedTypeSymbol? type = nonGenericType.ContainingType; type is not null; type = type.ContainingType)
        {
            outer.Add(type.Name);
        }

        for (int i = outer.Count - 1; i >= 0; i--)
        {
            name.Append(EscapeIdentifier(outer[i])).Append('.');
        }

        return name.Append(EscapeIdentifier(nonGenericType.Name)).ToString();
    }

    /// <summary>
    /// The type's namespace as <c>ContainingNamespace.ToDisplayString()</c> gives it (keyword segments escaped);
    /// empty for the global namespace.
    /// </summary>
    public static string NamespaceName(INamedTypeSymbol type)
    {
        var segments = new List<string>();
        for (INamespaceSymbol? current = type.ContainingNamespace; current is { IsGlobalNamespace: false }; current = current.ContainingNamespace)
        {
            segments.Add(EscapeIdentifier(current.Name));
        }

        segments.Reverse();
        return string.Join(".", segments);
    }

    public static string EscapeIdentifier(string name)
        => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

}

using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace OtlpBroadcast.Generators.Parsing;

/// <summary>
/// The diagnostic ids the compiler reports where generated code names an obsolete or experimental symbol: an
/// <c>[Obsolete]</c> with its own <c>DiagnosticId</c> (CS0612 and CS0618 otherwise, which every generated file
/// suppresses) and an <c>[Experimental]</c> id. The user declared these members and chose to have them written;
/// reading them in generated code is not a new use, and must not break a build that treats warnings as errors.
/// </summary>
internal static class UseSiteDiagnostics
{
    private static readonly KnownType Obsolete = new("ObsoleteAttribute", "System");
    private static readonly KnownType Experimental = new("ExperimentalAttribute", "System", "Diagnostics", "CodeAnalysis");

    /// <summary>Adds the ids of <paramref name="symbol"/> and of everything containing it, up to its assembly (an
    /// experimental type or assembly makes its members experimental).</summary>
    public static void Add(ISymbol? symbol, SortedSet<string> ids)
    {
        for (ISymbol? current = symbol; current is not null; current = current.ContainingSymbol)
        {
            if (current is INamespaceSymbol { IsGlobalNamespace: false })
            {
                continue;
            }

            foreach (AttributeData attribute in current.GetAttributes())
            {
                if (Experimental.Matches(attribute.AttributeClass))
                {
                    AddId(attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null, ids);
                }
                else if (Obsolete.Matches(attribute.AttributeClass))
                {
                    foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                    {
                        if (argument.Key == "DiagnosticId")
                        {
                            AddId(argument.Value.Value as string, ids);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="symbol"/> is <c>[Obsolete(message, true)]</c>: naming it is error CS0619, which no
    /// <c>#pragma</c> suppresses, unless the code naming it is itself inside something obsolete.
    /// </summary>
    public static bool IsObsoleteAsError(ISymbol symbol)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (Obsolete.Matches(attribute.AttributeClass)
                && attribute.ConstructorArguments.Length == 2
                && attribute.ConstructorArguments[1].Value is true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> or a type containing it is obsolete as an error.</summary>
    public static bool IsObsoleteAsErrorWithContainers(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (IsObsoleteAsError(current))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds the ids of a member's type: the type, its type arguments and array elements.</summary>
    public static void AddType(ITypeSymbol type, SortedSet<string> ids)
    {
        if (type is IArrayTypeSymbol array)
        {
            AddType(array.ElementType, ids);
            return;
        }

        Add(type, ids);
        if (type is INamedTypeSymbol { IsGenericType: true } named)
        {
            foreach (ITypeSymbol argument in named.TypeArguments)
            {
                AddType(argument, ids);
            }
        }
    }

    /// <summary>Only an identifier can follow <c>#pragma warning disable</c>; any other id is left to the compiler.</summary>
    private static void AddId(string? id, SortedSet<string> ids)
    {
        if (string.IsNullOrEmpty(id))
        {
            return;
        }

        foreach (char c in id!)
        {
            if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_'))
            {
                return;
            }
        }

        ids.Add(id);
    }
}

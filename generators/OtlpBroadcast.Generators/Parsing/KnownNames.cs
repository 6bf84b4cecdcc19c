using Microsoft.CodeAnalysis;

namespace OtlpBroadcast.Generators.Parsing;

/// <summary>
/// The types the parser recognises. The parser runs for every annotated type on every compilation change, so they are
/// recognised by comparing name parts (<see cref="KnownType"/>), which neither formats nor allocates a string.
/// </summary>
internal static class KnownNames
{
    /// <summary>The metadata name <c>ForAttributeWithMetadataName</c> looks for.</summary>
    public const string OtlpAttributes = "OtlpBroadcast.OtlpAttributesAttribute";

    public static readonly KnownType OtlpAttributesType = new("OtlpAttributesAttribute", "OtlpBroadcast");
    public static readonly KnownType OtlpAttribute = new("OtlpAttributeAttribute", "OtlpBroadcast");
    public static readonly KnownType OtlpSensitive = new("OtlpSensitiveAttribute", "OtlpBroadcast");
    public static readonly KnownType OtlpIgnore = new("OtlpIgnoreAttribute", "OtlpBroadcast");
    public static readonly KnownType OtlpFlatten = new("OtlpFlattenAttribute", "OtlpBroadcast");
    public static readonly KnownType JsonStringEnumMemberName = new("JsonStringEnumMemberNameAttribute", "System", "Text", "Json", "Serialization");
    public static readonly KnownType Guid = new("Guid", "System");
    public static readonly KnownType DateTimeOffset = new("DateTimeOffset", "System");
    public static readonly KnownType TimeSpan = new("TimeSpan", "System");
    public static readonly KnownType JsonElement = new("JsonElement", "System", "Text", "Json");
    public static readonly KnownType IDictionary = new("IDictionary", 2, "System", "Collections", "Generic");
    public static readonly KnownType IReadOnlyDictionary = new("IReadOnlyDictionary", 2, "System", "Collections", "Generic");
}

/// <summary>
/// A top-level type named by its name, its number of type parameters and its namespace (outermost segment first).
/// <see cref="ISymbol.MetadataName"/> is not compared: Roslyn composes it anew for each generic type it is asked of.
/// </summary>
internal sealed class KnownType
{
    private readonly string _name;
    private readonly int _arity;
    private readonly string[] _namespace;

    public KnownType(string name, params string[] namespaceSegments)
        : this(name, 0, namespaceSegments)
    {
    }

    public KnownType(string name, int arity, params string[] namespaceSegments)
    {
        _name = name;
        _arity = arity;
        _namespace = namespaceSegments;
    }

    /// <summary>Whether <paramref name="type"/> is this type (for a generic type, any construction of it).</summary>
    public bool Matches(ITypeSymbol? type)
    {
        if (type is null || type.ContainingType is not null || type.Name != _name || (type is INamedTypeSymbol named ? named.Arity : 0) != _arity)
        {
            return false;
        }

        INamespaceSymbol? current = type.ContainingNamespace;
        for (int i = _namespace.Length - 1; i >= 0; i--)
        {
            if (current is null || current.IsGlobalNamespace || current.Name != _namespace[i])
            {
                return false;
            }

            current = current.ContainingNamespace;
        }

        return current is { IsGlobalNamespace: true };
    }

    /// <summary>The first of <paramref name="attributes"/> whose class is this type.</summary>
    public AttributeData? FindIn(System.Collections.Immutable.ImmutableArray<AttributeData> attributes)
    {
        foreach (AttributeData attribute in attributes)
        {
            if (Matches(attribute.AttributeClass))
            {
                return attribute;
            }
        }

        return null;
    }
}

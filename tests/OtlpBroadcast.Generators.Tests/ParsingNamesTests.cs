using Microsoft.CodeAnalysis;
using OtlpBroadcast.Generators.Parsing;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>
/// The parser names types without Roslyn's display formatter (it runs for every annotated type on every compilation
/// change); these tests hold the composed names to exactly what the formatter writes, so the output cannot drift.
/// </summary>
public class ParsingNamesTests
{
    private const string Types = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;

        public enum Color { Red }

        public class Scalars
        {
            public string S { get; set; } = "";
            public bool B { get; set; }
            public sbyte I8 { get; set; }
            public byte U8 { get; set; }
            public short I16 { get; set; }
            public ushort U16 { get; set; }
            public int I32 { get; set; }
            public uint U32 { get; set; }
            public long I64 { get; set; }
            public ulong U64 { get; set; }
            public float F { get; set; }
            public double D { get; set; }
            public decimal M { get; set; }
            public DateTime Time { get; set; }
            public DateTimeOffset Offset { get; set; }
            public TimeSpan Span { get; set; }
            public Guid Id { get; set; }
            public JsonElement Json { get; set; }
            public Color Color { get; set; }
            public Nested.@class.Kind Kind { get; set; }
            public int? NullableInt { get; set; }
            public Guid? NullableId { get; set; }
        }

        public class InGlobalNamespace { }

        namespace Nested.@class
        {
            public enum Kind { A }

            public class Outer
            {
                public class @event
                {
                    public class Innermost { }
                }
            }

            public class Plain { }
        }

        public class Pairs<T> : IEnumerable<KeyValuePair<string, T>>
        {
            public IEnumerator<KeyValuePair<string, T>> GetEnumerator() => throw null!;
            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => throw null!;
        }

        public class StringKeyed<TValue> : Dictionary<string, TValue> { }

        public class Reversed<A, B> : Dictionary<B, A> where B : notnull { }

        public class Members
        {
            public List<string> List { get; } = new();
            public Dictionary<string, int> Dictionary { get; } = new();
            public IReadOnlyDictionary<string, double> ReadOnly { get; } = null!;
            public Pairs<int> Pairs { get; } = new();
            public StringKeyed<long> StringKeyed { get; } = new();
            public Reversed<int, string> Reversed { get; } = new();
            public HashSet<Guid> Set { get; } = new();
        }

        namespace Fake.System.Collections.Generic
        {
            public interface IDictionary<TKey, TValue> { }
        }

        namespace System.Collections.Generic
        {
            public class Holder
            {
                public interface IDictionary<TKey, TValue> { }
            }
        }
        """;

    [Fact]
    public void ScalarTypeNamesAreWhatTheFormatterWrites()
    {
        INamedTypeSymbol scalars = Compile().GetTypeByMetadataName("Scalars")!;
        int checkedCount = 0;
        foreach (IPropertySymbol property in scalars.GetMembers().OfType<IPropertySymbol>())
        {
            ITypeSymbol type = property.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
                ? nullable.TypeArguments[0]
                : property.Type;
            var value = TypeClassifier.TryScalar(property.Type);
            Assert.True(value is not null, $"{property.Name} is not recognised as a scalar");
            Assert.Equal(type.ToDisplayString(TypeClassifier.FullyQualified), value!.TypeName);
            checkedCount++;
        }

        Assert.Equal(22, checkedCount);
    }

    [Theory]
    [InlineData("InGlobalNamespace")]
    [InlineData("Scalars")]
    [InlineData("Nested.class.Plain")]
    [InlineData("Nested.class.Outer")]
    [InlineData("Nested.class.Outer+event")]
    [InlineData("Nested.class.Outer+event+Innermost")]
    public void ComposedTypeNamesAreWhatTheFormatterWrites(string metadataName)
    {
        INamedTypeSymbol type = Compile().GetTypeByMetadataName(metadataName)!;

        Assert.Equal(type.ToDisplayString(TypeClassifier.FullyQualified), TypeClassifier.FullyQualifiedName(type));
        Assert.Equal(type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString(), TypeClassifier.NamespaceName(type));
    }

    [Fact]
    public void KnownTypesMatchByEveryNamePartAndArity()
    {
        Compilation compilation = Compile();
        INamedTypeSymbol dictionary = compilation.GetTypeByMetadataName("System.Collections.Generic.Dictionary`2")!
            .Construct(compilation.GetSpecialType(SpecialType.System_String), compilation.GetSpecialType(SpecialType.System_Int32));

        Assert.Contains(dictionary.AllInterfaces, KnownNames.IDictionary.Matches);
        Assert.Contains(dictionary.AllInterfaces, KnownNames.IReadOnlyDictionary.Matches);
        Assert.True(TypeClassifier.TryDictionary(dictionary, out ITypeSymbol key, out ITypeSymbol value));
        Assert.Equal(SpecialType.System_String, key.SpecialType);
        Assert.Equal(SpecialType.System_Int32, value.SpecialType);

        // Same name in another namespace, the same name nested in a type, another arity: not the known type.
        Assert.False(KnownNames.IDictionary.Matches(compilation.GetTypeByMetadataName("Fake.System.Collections.Generic.IDictionary`2")));
        Assert.False(KnownNames.IDictionary.Matches(compilation.GetTypeByMetadataName("System.Collections.Generic.Holder+IDictionary`2")));
        Assert.False(KnownNames.IDictionary.Matches(compilation.GetTypeByMetadataName("System.Collections.IDictionary")));
        Assert.True(KnownNames.Guid.Matches(compilation.GetTypeByMetadataName("System.Guid")));
        Assert.False(KnownNames.Guid.Matches(compilation.GetTypeByMetadataName("System.DateTimeOffset")));
        Assert.False(KnownNames.Guid.Matches(null));
    }

    [Fact]
    public void InterfaceTypeArgumentsOfConstructedTypesAreTheSubstitutedOnes()
    {
        // The classifier looks interfaces up on the generic definition and maps the type arguments itself; the
        // result must be what Roslyn's own substitution of the constructed type's interfaces gives.
        INamedTypeSymbol members = Compile().GetTypeByMetadataName("Members")!;
        int dictionaries = 0;
        foreach (IPropertySymbol property in members.GetMembers().OfType<IPropertySymbol>())
        {
            ITypeSymbol type = property.Type;
            INamedTypeSymbol? enumerable = type.AllInterfaces.FirstOrDefault(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);
            Assert.True(SymbolEqualityComparer.IncludeNullability.Equals(enumerable?.TypeArguments[0], TypeClassifier.TryCollectionItem(type)), property.Name);

            INamedTypeSymbol? dictionary = ((INamedTypeSymbol)type).Name.Contains("Dictionary", StringComparison.Ordinal) && type.TypeKind == TypeKind.Interface
                ? (INamedTypeSymbol)type
                : type.AllInterfaces.FirstOrDefault(i => i.Name is "IDictionary" or "IReadOnlyDictionary" && i.Arity == 2);
            Assert.Equal(dictionary is not null, TypeClassifier.TryDictionary(type, out ITypeSymbol key, out ITypeSymbol value));
            if (dictionary is not null)
            {
                Assert.True(SymbolEqualityComparer.IncludeNullability.Equals(dictionary.TypeArguments[0], key), property.Name + " key");
                Assert.True(SymbolEqualityComparer.IncludeNullability.Equals(dictionary.TypeArguments[1], value), property.Name + " value");
                dictionaries++;
            }
        }

        Assert.Equal(4, dictionaries);
    }

    private static Compilation Compile()
    {
        Compilation compilation = TestCompilation.Create(Types);
        Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => e.ToString())));
        return compilation;
    }
}

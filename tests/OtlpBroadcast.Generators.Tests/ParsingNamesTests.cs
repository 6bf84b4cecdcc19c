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

    private static Compilation Compile()
    {
        Compilation compilation = TestCompilation.Create(Types);
        Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => e.ToString())));
        return compilation;
    }
}

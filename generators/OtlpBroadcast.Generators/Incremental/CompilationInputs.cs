using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace OtlpBroadcast.Generators.Incremental;

/// <summary>
/// What a parse reads from the compilation besides the sources: its references, options and assembly name. Equal for
/// two compilations that differ only in their sources, so that step stays cached when only a file changes.
/// </summary>
internal sealed class CompilationFacts : IEquatable<CompilationFacts>
{
    private readonly string? _assemblyName;
    private readonly CompilationOptions _options;
    private readonly MetadataReference[] _references;

    public CompilationFacts(Compilation compilation)
    {
        _assemblyName = compilation.AssemblyName;
        _options = compilation.Options;
        _references = new List<MetadataReference>(compilation.References).ToArray();
    }

    public bool Equals(CompilationFacts? other)
        => ReferenceEquals(this, other)
            || (other is not null && _assemblyName == other._assemblyName && SameItems.Equal(_references, other._references) && _options.Equals(other._options));

    public override bool Equals(object? obj) => obj is CompilationFacts other && Equals(other);

    public override int GetHashCode() => _references.Length;
}

/// <summary>
/// The compilation of the current run, for the parse steps to bind with, beside the source-wide inputs of every parse.
/// A new context every run (compared by reference, so it always holds the current compilation); a parse input is
/// compared without the compilation (<see cref="ParseInput"/>), so a cached parse input keeps the context of an earlier
/// run. The context holds its compilation weakly: a cached entry must not keep an old compilation alive, and a parse
/// runs only in the run whose context it was given.
/// </summary>
internal sealed class ParseContext
{
    private readonly WeakReference<Compilation> _compilation;

    public ParseContext(SourceWideDeclarations sourceWide, CompilationFacts facts, Compilation compilation)
    {
        SourceWide = sourceWide;
        Facts = facts;
        _compilation = new WeakReference<Compilation>(compilation);
    }

    public SourceWideDeclarations SourceWide { get; }

    public CompilationFacts Facts { get; }

    public Compilation Compilation => _compilation.TryGetTarget(out Compilation? compilation)
        ? compilation
        : throw new InvalidOperationException("A parse was given the compilation of an earlier run.");
}

/// <summary>What one parse depends on (its <see cref="ParseKey"/> and the source-wide inputs), with the compilation it
/// binds with, which takes no part in the comparison.</summary>
internal sealed class ParseInput : IEquatable<ParseInput>
{
    public ParseInput(ParseKey key, ParseContext context)
    {
        Key = key;
        Context = context;
    }

    public ParseKey Key { get; }

    public ParseContext Context { get; }

    public bool Equals(ParseInput? other)
        => ReferenceEquals(this, other)
            || (other is not null && Key.Equals(other.Key) && Context.SourceWide.Equals(other.Context.SourceWide) && Context.Facts.Equals(other.Context.Facts));

    public override bool Equals(object? obj) => obj is ParseInput other && Equals(other);

    public override int GetHashCode() => Key.GetHashCode();
}

using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtlpBroadcast.Generators.Model;

namespace OtlpBroadcast.Generators.Incremental;

/// <summary>
/// Which files declare which type names, built anew from the files' <see cref="TreeNames"/> for every compilation (names
/// only, no binding; a file's names are read once). It gives each annotated type its <see cref="ParseKey"/>: the files its parse can read.
/// </summary>
/// <remarks>
/// A type's parse binds names that appear in its own file; a name binds to a declaration in some file that declares a
/// type of that simple name, or to something in a referenced assembly or namespace. So the files a parse can read are
/// found by following names: from the type's file to every file declaring a name it uses, and on from those files'
/// names, until no new file is reached. The set is a superset (any identifier counts, a property named like a type
/// included); what it must never miss is a file whose edit could change the parse. What names cannot reach (the
/// namespaces declared anywhere, <c>global using</c> directives, references and options) is compared as a whole.
/// </remarks>
internal sealed class DeclarationIndex
{
    private readonly TreeNames[] _trees;
    private readonly Dictionary<SyntaxTree, int> _positions;
    private readonly Dictionary<string, List<int>> _declaringTrees = new(StringComparer.Ordinal);
    private readonly string[] _globalUsingNames;
    private readonly SourceWideDeclarations _sourceWide;
    private Marks? _marks;

    public DeclarationIndex(Compilation compilation, CancellationToken cancellationToken)
    {
        var trees = new List<TreeNames>();
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            trees.Add(TreeNames.Of(tree, cancellationToken));
        }

        _trees = trees.ToArray();
        _positions = new Dictionary<SyntaxTree, int>(_trees.Length);
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        var globalUsings = new List<string>();
        var globalUsingNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _trees.Length; i++)
        {
            TreeNames tree = _trees[i];
            _positions[tree.Tree] = i;
            foreach (string name in tree.Declared)
            {
                if (!_declaringTrees.TryGetValue(name, out List<int>? list))
                {
                    _declaringTrees[name] = list = new List<int>(1);
                }

                list.Add(i);
            }

            namespaces.UnionWith(tree.Namespaces);
            globalUsings.AddRange(tree.GlobalUsings);
            globalUsingNames.UnionWith(tree.GlobalUsingNames);
        }

        _globalUsingNames = new string[globalUsingNames.Count];
        globalUsingNames.CopyTo(_globalUsingNames);
        var sortedNamespaces = new string[namespaces.Count];
        namespaces.CopyTo(sortedNamespaces);
        Array.Sort(sortedNamespaces, StringComparer.Ordinal);
        _sourceWide = new SourceWideDeclarations(sortedNamespaces.ToImmutableEquatableArray(), globalUsings.ToImmutableEquatableArray());
    }

    /// <summary>What every parse depends on and no name leads to (compared as a step of its own, once per run).</summary>
    public SourceWideDeclarations SourceWide => _sourceWide;

    /// <summary>The types that may be annotated, file by file in the compilation's order. Taken from the compilation's
    /// own list of files rather than from a syntax provider: Roslyn's table of files keeps a file's old place when the
    /// same file object moves, and when a file is then replaced it can list another file twice (and miss the new one),
    /// which gave one type two outputs (found by <c>RandomEditsGiveWhatANewDriverGives</c>).</summary>
    public IEnumerable<TypeDeclarationSyntax> Candidates
    {
        get
        {
            foreach (TreeNames tree in _trees)
            {
                foreach (TypeDeclarationSyntax candidate in tree.Candidates)
                {
                    yield return candidate;
                }
            }
        }
    }

    /// <summary>Whether a file declares a type of this full name directly in its namespace (<see cref="TreeNames.TopLevel"/>).</summary>
    public bool DeclaresTopLevelType(string fullName)
    {
        foreach (TreeNames tree in _trees)
        {
            if (Array.IndexOf(tree.TopLevel, fullName) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The key of <paramref name="declaration"/>'s parse in this version of the sources.</summary>
    public ParseKey KeyFor(TypeDeclarationSyntax declaration)
    {
        if (!_positions.TryGetValue(declaration.SyntaxTree, out int own))
        {
            throw new InvalidOperationException("The annotated type's file is not among the files the index was built from.");
        }

        // Runs for every annotated type after every edit: the files reached are marked with a number of this call in
        // an array kept for the next call, so most keys (no file reached but the type's own) allocate nothing but the key.
        Marks marks = Interlocked.Exchange(ref _marks, null) ?? new Marks(_trees.Length);
        int mark = marks.Next();
        marks.Stamps[own] = mark;
        var reached = new List<int>();
        Follow(_globalUsingNames, marks.Stamps, mark, reached);
        Follow(_trees[own].Used, marks.Stamps, mark, reached);
        for (int i = 0; i < reached.Count; i++)
        {
            Follow(_trees[reached[i]].Used, marks.Stamps, mark, reached);
        }

        _marks = marks;
        if (reached.Count == 0)
        {
            return new ParseKey(declaration, Array.Empty<SyntaxTree>());
        }

        // The type's own file too: the order of the files (a partial type's parts) is the order of its members.
        reached.Add(own);
        reached.Sort();
        var dependencies = new SyntaxTree[reached.Count];
        for (int i = 0; i < dependencies.Length; i++)
        {
            dependencies[i] = _trees[reached[i]].Tree;
        }

        return new ParseKey(declaration, dependencies);
    }

    private void Follow(string[] names, int[] stamps, int mark, List<int> reached)
    {
        foreach (string name in names)
        {
            if (_declaringTrees.TryGetValue(name, out List<int>? trees))
            {
                foreach (int tree in trees)
                {
                    if (stamps[tree] != mark)
                    {
                        stamps[tree] = mark;
                        reached.Add(tree);
                    }
                }
            }
        }
    }

    /// <summary>Which files one <see cref="KeyFor"/> call has reached: a file is reached when its stamp is the call's number.</summary>
    private sealed class Marks
    {
        private int _last;

        public Marks(int count) => Stamps = new int[count];

        public int[] Stamps { get; }

        public int Next() => ++_last;
    }
}

/// <summary>What every parse depends on and no name leads to: the namespaces the sources declare (a new one can change
/// what a qualified name binds to) and the <c>global using</c> directives.</summary>
internal sealed class SourceWideDeclarations : IEquatable<SourceWideDeclarations>
{
    public SourceWideDeclarations(ImmutableEquatableArray<string> namespaces, ImmutableEquatableArray<string> globalUsings)
    {
        Namespaces = namespaces;
        GlobalUsings = globalUsings;
    }

    public ImmutableEquatableArray<string> Namespaces { get; }

    public ImmutableEquatableArray<string> GlobalUsings { get; }

    public bool Equals(SourceWideDeclarations? other)
        => ReferenceEquals(this, other) || (other is not null && Namespaces.Equals(other.Namespaces) && GlobalUsings.Equals(other.GlobalUsings));

    public override bool Equals(object? obj) => obj is SourceWideDeclarations other && Equals(other);

    public override int GetHashCode() => Namespaces.GetHashCode() ^ GlobalUsings.GetHashCode();
}

/// <summary>
/// Equal for two versions of the sources when an annotated type's parse must give the same result in both: the same
/// declaration (the same syntax node: its file is unchanged) and the same versions of every file it can read. Holds syntax, so it stays in the key steps and never reaches a model.
/// </summary>
internal sealed class ParseKey : IEquatable<ParseKey>
{
    private readonly SyntaxTree[] _dependencies;

    public ParseKey(TypeDeclarationSyntax declaration, SyntaxTree[] dependencies)
    {
        Declaration = declaration;
        _dependencies = dependencies;
    }

    public TypeDeclarationSyntax Declaration { get; }

    public bool Equals(ParseKey? other)
        => ReferenceEquals(this, other)
            || (other is not null && ReferenceEquals(Declaration, other.Declaration) && SameItems.Equal(_dependencies, other._dependencies));

    public override bool Equals(object? obj) => obj is ParseKey other && Equals(other);

    public override int GetHashCode() => Declaration.GetHashCode();
}

/// <summary>Arrays of syntax trees or references, equal when they hold the same objects in the same order (versions of
/// immutable things: the same object is the same version).</summary>
internal static class SameItems
{
    public static bool Equal<T>(T[] left, T[] right)
        where T : class
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (int i = 0; i < left.Length; i++)
        {
            if (!ReferenceEquals(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }
}

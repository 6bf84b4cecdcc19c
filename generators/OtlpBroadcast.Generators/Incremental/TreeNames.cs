using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace OtlpBroadcast.Generators.Incremental;

/// <summary>
/// The names one syntax tree declares and uses, read from its syntax alone: what <see cref="DeclarationIndex"/> needs to
/// tell which files a type's parse can depend on. Read once per version of a file (<see cref="Of"/>).
/// </summary>
/// <remarks>
/// Method, accessor and lambda bodies and top-level statements are skipped: nothing in them can change a declaration,
/// so a name used only there creates no dependency. Everything else is kept, initializers included (a constant's value
/// can be an attribute argument).
/// </remarks>
internal sealed class TreeNames
{
    private TreeNames(SyntaxTree tree, TypeDeclarationSyntax[] candidates, string[] declared, string[] topLevel, string[] used, string[] namespaces, string[] globalUsings, string[] globalUsingNames)
    {
        Tree = tree;
        Candidates = candidates;
        TopLevel = topLevel;
        Declared = declared;
        Used = used;
        Namespaces = namespaces;
        GlobalUsings = globalUsings;
        GlobalUsingNames = globalUsingNames;
    }

    public SyntaxTree Tree { get; }

    /// <summary>The classes, structs and records of the file that carry an attribute, in order: the types that may be
    /// annotated (binding confirms which are).</summary>
    public TypeDeclarationSyntax[] Candidates { get; }

    /// <summary>The simple names of the types the file declares, nested ones included; an attribute class
    /// <c>FooAttribute</c> is also listed as <c>Foo</c>, the name it is applied by.</summary>
    public string[] Declared { get; }

    /// <summary>The full names (<c>Acme.Api</c>) of the types the file declares directly in a namespace, the global one
    /// included: the types that a namespace of the same name would clash with.</summary>
    public string[] TopLevel { get; }

    /// <summary>Every identifier outside bodies, once each.</summary>
    public string[] Used { get; }

    /// <summary>The full names of the namespaces the file declares.</summary>
    public string[] Namespaces { get; }

    /// <summary>The file's <c>global using</c> directives and its assembly and module attributes, as written (they change
    /// name binding, or what is read, in every file).</summary>
    public string[] GlobalUsings { get; }

    /// <summary>The identifiers in those directives.</summary>
    public string[] GlobalUsingNames { get; }

    /// <summary>
    /// The names of every version of a file read so far, kept as long as that version lives: a file is read once
    /// however many runs, drivers or projects see it (its names are a function of its immutable syntax alone).
    /// </summary>
    private static readonly ConditionalWeakTable<SyntaxTree, TreeNames> Cache = new();

    /// <summary>The names of <paramref name="tree"/>, read on its first request.</summary>
    public static TreeNames Of(SyntaxTree tree, CancellationToken cancellationToken)
    {
        if (Cache.TryGetValue(tree, out TreeNames? names))
        {
            return names;
        }

        names = Read((CompilationUnitSyntax)tree.GetRoot(cancellationToken), cancellationToken);
        return Cache.GetValue(tree, _ => names);
    }

    private static TreeNames Read(CompilationUnitSyntax root, CancellationToken cancellationToken)
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<TypeDeclarationSyntax>();
        var topLevel = new List<string>();
        var namespaces = new List<string>();
        var globalUsings = new List<string>();
        var globalUsingNames = new HashSet<string>(StringComparer.Ordinal);

        foreach (UsingDirectiveSyntax directive in root.Usings)
        {
            if (directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword))
            {
                globalUsings.Add(directive.ToString());
                AddIdentifiers(directive, globalUsingNames);
            }
        }

        // [assembly: ...] and [module: ...] reach every parse (UseSiteDiagnostics reads them up to the assembly) from a
        // file no name leads to: they are compared as a whole, like global usings, and the names in them are followed.
        foreach (AttributeListSyntax list in root.AttributeLists)
        {
            globalUsings.Add(list.ToString());
            AddIdentifiers(list, globalUsingNames);
        }

        foreach (SyntaxNodeOrToken item in root.DescendantNodesAndTokens(static node => !IsBody(node)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.IsToken)
            {
                SyntaxToken token = item.AsToken();
                if (token.IsKind(SyntaxKind.IdentifierToken) && !NamesMember(token))
                {
                    used.Add(token.ValueText);
                }

                continue;
            }

            switch (item.AsNode())
            {
                case BaseTypeDeclarationSyntax type:
                    AddDeclared(type.Identifier.ValueText, type.Parent, declared, topLevel);
                    if (type is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax && type.AttributeLists.Count > 0)
                    {
                        candidates.Add((TypeDeclarationSyntax)type);
                    }

                    break;
                case DelegateDeclarationSyntax @delegate:
                    AddDeclared(@delegate.Identifier.ValueText, @delegate.Parent, declared, topLevel);
                    break;
                case BaseNamespaceDeclarationSyntax @namespace:
                    namespaces.Add(FullName(@namespace));
                    break;
            }
        }

        return new TreeNames(root.SyntaxTree, candidates.ToArray(), Sorted(declared), topLevel.ToArray(), Sorted(used), namespaces.ToArray(), globalUsings.ToArray(), Sorted(globalUsingNames));
    }

    /// <summary>Whether the identifier is the name a member, parameter or type parameter is declared with: such a
    /// name binds to nothing, so it leads to no file (the name a type is declared with does: other parts of a partial type).</summary>
    private static bool NamesMember(SyntaxToken identifier)
        => identifier.Parent is PropertyDeclarationSyntax or VariableDeclaratorSyntax or MethodDeclarationSyntax or ParameterSyntax
            or EnumMemberDeclarationSyntax or EventDeclarationSyntax or TypeParameterSyntax or ConstructorDeclarationSyntax
            or DestructorDeclarationSyntax;

    private static bool IsBody(SyntaxNode node)
        => node is BlockSyntax or ArrowExpressionClauseSyntax or GlobalStatementSyntax or AnonymousFunctionExpressionSyntax;

    private static void AddDeclared(string name, SyntaxNode? parent, HashSet<string> declared, List<string> topLevel)
    {
        if (parent is BaseNamespaceDeclarationSyntax @namespace)
        {
            topLevel.Add(FullName(@namespace) + "." + name);
        }
        else if (parent is CompilationUnitSyntax)
        {
            topLevel.Add(name);
        }

        declared.Add(name);
        const string Suffix = "Attribute";
        if (name.Length > Suffix.Length && name.EndsWith(Suffix, StringComparison.Ordinal))
        {
            declared.Add(name.Substring(0, name.Length - Suffix.Length));
        }
    }

    private static void AddIdentifiers(SyntaxNode node, HashSet<string> names)
    {
        foreach (SyntaxToken token in node.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken))
            {
                names.Add(token.ValueText);
            }
        }
    }

    /// <summary>A namespace's full name from its identifiers (no <c>@</c>, no spacing), outer namespaces included.</summary>
    private static string FullName(BaseNamespaceDeclarationSyntax declaration)
    {
        var segments = new List<string>();
        for (SyntaxNode? node = declaration; node is not null; node = node.Parent)
        {
            if (node is BaseNamespaceDeclarationSyntax @namespace)
            {
                var inner = new List<string>();
                foreach (SyntaxToken token in @namespace.Name.DescendantTokens())
                {
                    if (token.IsKind(SyntaxKind.IdentifierToken))
                    {
                        inner.Add(token.ValueText);
                    }
                }

                segments.InsertRange(0, inner);
            }
        }

        return string.Join(".", segments);
    }

    private static string[] Sorted(HashSet<string> names)
    {
        var array = new string[names.Count];
        names.CopyTo(array);
        Array.Sort(array, StringComparer.Ordinal);
        return array;
    }
}

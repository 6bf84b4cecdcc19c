using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtlpBroadcast.Generators.Model;
using OtlpBroadcast.Generators.Parsing;

namespace OtlpBroadcast.Generators.Incremental;

/// <summary>
/// The last parse of each type declaration, with the input it was made from: a parse whose input equals the last one
/// gives the last result without binding. The pipeline's own caching is positional (an input is compared with the
/// one in the same place in the previous run), so a type added or removed before others, or a file moved, hands their
/// parse inputs over again; this makes that cost a comparison. Kept per declaration node for as long as the node lives
/// (its file's version), and shared by drivers: equal inputs give equal results wherever they come from.
/// </summary>
internal static class ParseMemo
{
    private static readonly ConditionalWeakTable<TypeDeclarationSyntax, Slot> Last = new();

    public static ParseResult Parse(ParseInput input, CancellationToken cancellationToken)
    {
        TypeDeclarationSyntax declaration = input.Key.Declaration;
        Slot slot = Last.GetValue(declaration, static _ => new Slot());
        if (slot.Entry is { } last && last.Input.Equals(input))
        {
            return last.Result;
        }

        ParseResult result = TypeParser.Parse(declaration, input.Context.Compilation, cancellationToken);
        slot.Entry = new Entry(input, result);
        return result;
    }

    /// <summary>Where a declaration's last entry is kept; replaced whole, so a reader sees an input with its own result.</summary>
    private sealed class Slot
    {
        private volatile Entry? _entry;

        public Entry? Entry
        {
            get => _entry;
            set => _entry = value;
        }
    }

    private sealed class Entry
    {
        public Entry(ParseInput input, ParseResult result)
        {
            Input = input;
            Result = result;
        }

        public ParseInput Input { get; }

        public ParseResult Result { get; }
    }
}

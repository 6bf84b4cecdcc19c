using System;
using System.Collections.Immutable;
using System.Linq;
using OtlpBroadcast.Generators.Model;

namespace OtlpBroadcast.Generators.Emitting;

/// <summary>
/// The names of the generated files. Roslyn requires hint names that are unique ignoring case (so the files can be
/// written to any file system) and refuses '@'; a failure there loses the whole output (CS8785).
/// </summary>
internal static class HintNames
{
    private const string Suffix = ".OtlpAttributes.g.cs";

    /// <summary>The name of a type's file before clashes are resolved: its full name, without <c>global::</c> and
    /// the '@' of escaped keywords.</summary>
    public static string For(string fullyQualifiedName)
        => fullyQualifiedName.Replace("global::", string.Empty).Replace("@", string.Empty) + Suffix;

    /// <summary>The names that equal another one ignoring case (<c>A.Dto.Msg</c> and <c>A.DTO.Msg</c>), ordinal-sorted.</summary>
    public static ImmutableEquatableArray<string> Clashing(ImmutableArray<string?> names)
        => names.Where(n => n is not null).Select(n => n!).GroupBy(n => n, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .SelectMany(g => g)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToImmutableEquatableArray();

    /// <summary>
    /// <paramref name="name"/>, or when it clashes and is not the first of its group in ordinal order, the name with
    /// the group rank (<c>A.Dto.Msg.OtlpAttributes.2.g.cs</c>), which no type name can give since an identifier
    /// cannot start with a digit. It depends on the clashing names only, so the same types always get the same names.
    /// </summary>
    public static string Unique(string name, ImmutableEquatableArray<string> clashing)
    {
        int rank = 1;
        foreach (string other in clashing)
        {
            if (string.CompareOrdinal(other, name) < 0 && string.Equals(other, name, StringComparison.OrdinalIgnoreCase))
            {
                rank++;
            }
        }

        return rank == 1
            ? name
            : name.Substring(0, name.Length - Suffix.Length) + ".OtlpAttributes." + rank.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
    }
}

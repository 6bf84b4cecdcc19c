using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace OtlpBroadcast.Generators.Model;

/// <summary>
/// The parts of a <see cref="Location"/> needed to report a diagnostic. A <see cref="Location"/> holds its syntax
/// tree, which would keep old compilations alive in the incremental cache and never compare equal.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    public static LocationInfo? From(Location? location)
        => location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

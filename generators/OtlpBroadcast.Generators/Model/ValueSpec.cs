namespace OtlpBroadcast.Generators.Model;

/// <summary>A scalar value: its kind, its fully qualified type (for enums), and whether it is <c>Nullable&lt;T&gt;</c>.</summary>
/// <param name="IsUnsigned64">An enum over <c>ulong</c>: its number is read as a <c>ulong</c>, since a <c>long</c> would
/// make a value with the top bit set negative.</param>
internal sealed record ValueSpec(ValueKind Kind, string TypeName, bool IsNullableValueType, bool IsUnsigned64 = false);

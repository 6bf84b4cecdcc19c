namespace OtlpBroadcast.Generators.Model;

/// <summary>A scalar value: its kind, its fully qualified type (for enums), and whether it is <c>Nullable&lt;T&gt;</c>.</summary>
internal sealed record ValueSpec(ValueKind Kind, string TypeName, bool IsNullableValueType);

namespace OtlpBroadcast.Generators.Parsing;

/// <summary>Metadata names the parser recognises; compared as strings so no symbol is looked up per member.</summary>
internal static class KnownNames
{
    public const string OtlpAttributes = "OtlpBroadcast.OtlpAttributesAttribute";
    public const string OtlpAttribute = "OtlpBroadcast.OtlpAttributeAttribute";
    public const string OtlpSensitive = "OtlpBroadcast.OtlpSensitiveAttribute";
    public const string OtlpIgnore = "OtlpBroadcast.OtlpIgnoreAttribute";
    public const string OtlpFlatten = "OtlpBroadcast.OtlpFlattenAttribute";
    public const string JsonStringEnumMemberName = "System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute";
    public const string Guid = "System.Guid";
    public const string DateTimeOffset = "System.DateTimeOffset";
    public const string TimeSpan = "System.TimeSpan";
    public const string JsonElement = "System.Text.Json.JsonElement";
}

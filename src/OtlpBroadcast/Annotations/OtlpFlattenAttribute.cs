namespace OtlpBroadcast;

/// <summary>
/// Spreads a member into separate attributes under a key prefix: each attribute of a nested
/// <see cref="OtlpAttributesAttribute"/> type becomes <c>prefix.key</c>, each entry of a dictionary with string keys
/// becomes <c>prefix.entryKey</c> (this is how <c>trace.metadata.&lt;key&gt;</c> is produced).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class OtlpFlattenAttribute : Attribute
{
    /// <summary>Flattens the member under <paramref name="prefix"/> (without the trailing dot).</summary>
    public OtlpFlattenAttribute(string prefix) => Prefix = prefix;

    /// <summary>The key prefix, without the trailing dot.</summary>
    public string Prefix { get; }
}

namespace OtlpBroadcast;

/// <summary>
/// Maps a property or field to an explicit attribute key, e.g. <c>[OtlpAttribute(GenAiAttributes.RequestModel)]</c>.
/// Keys are lowercase (<c>a-z</c>, <c>0-9</c>, <c>_</c>, <c>-</c>) segments separated by single dots.
/// </summary>
/// <remarks>
/// Private and internal members are written too when they carry this attribute. A nested <see cref="OtlpAttributesAttribute"/>
/// type or a dictionary is written as one <c>kvlistValue</c> under the key; use <see cref="OtlpFlattenAttribute"/>
/// to spread it into separate attributes instead.
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class OtlpAttributeAttribute : Attribute
{
    /// <summary>Maps the member to <paramref name="key"/>.</summary>
    public OtlpAttributeAttribute(string key) => Key = key;

    /// <summary>The attribute key.</summary>
    public string Key { get; }
}

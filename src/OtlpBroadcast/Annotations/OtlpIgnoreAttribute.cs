namespace OtlpBroadcast;

/// <summary>Leaves a member out of the span attributes.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class OtlpIgnoreAttribute : Attribute
{
}

namespace OtlpBroadcast;

/// <summary>
/// Marks a class, struct or record whose members become OTLP span attributes. The OtlpBroadcast source generator
/// adds <see cref="IOtlpAttributes"/> to the type, so the type (and every type that contains it) must be
/// <see langword="partial"/>.
/// </summary>
/// <remarks>
/// Every readable public instance property and field is mapped: under the key of its
/// <see cref="OtlpAttributeAttribute"/>, or else under its name in snake_case (after <see cref="KeyPrefix"/>).
/// Members that should not be written carry <see cref="OtlpIgnoreAttribute"/>; a member the generator cannot map
/// is a compile-time error, never skipped.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class OtlpAttributesAttribute : Attribute
{
    /// <summary>
    /// The namespace put in front of keys derived from member names, without the trailing dot
    /// (e.g. <c>app.request</c> turns <c>RetryCount</c> into <c>app.request.retry_count</c>). Explicit keys are
    /// not prefixed.
    /// </summary>
    public string? KeyPrefix { get; set; }
}

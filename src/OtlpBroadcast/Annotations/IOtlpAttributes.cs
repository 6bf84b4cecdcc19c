namespace OtlpBroadcast;

/// <summary>
/// Implemented by the source generator on every <see cref="OtlpAttributesAttribute"/> type: writes the type's span
/// attributes straight to a sink.
/// </summary>
public interface IOtlpAttributes
{
    /// <summary>Writes every attribute of this instance to <paramref name="sink"/>.</summary>
    /// <param name="sink">Where the attributes go (OTLP/JSON, plain JSON, a test sink…).</param>
    /// <param name="includeContent"><see langword="false"/> for a destination in privacy mode: members marked
    /// <see cref="OtlpSensitiveAttribute"/> are then not written at all.</param>
    void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink;
}

/// <summary>
/// Adapts an <see cref="IOtlpAttributes"/> value to <see cref="IAttributeSource"/>, e.g. for
/// <see cref="OtlpJsonSpanEncoder.Encode{TAttributes}"/>.
/// </summary>
/// <typeparam name="T">The annotated type.</typeparam>
/// <param name="value">The instance whose attributes are written; <see langword="null"/> writes nothing.</param>
/// <param name="includeContent">Whether sensitive content may be written.</param>
public readonly struct OtlpAttributesSource<T>(T? value, bool includeContent) : IAttributeSource
    where T : IOtlpAttributes
{
    /// <inheritdoc/>
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        => value?.WriteOtlpAttributes(ref sink, includeContent);
}

namespace OtlpBroadcast;

/// <summary>
/// An encoding's own sink whose attributes, once written, are bytes that can be appended again as they are after any
/// other attribute of a span: what <see cref="RepeatedIdentityBlock"/> needs to copy the identity attributes of a
/// tree from span to span.
/// </summary>
internal interface ICopyableAttributeSink : IAttributeSink
{
    /// <summary>Whether what is written now can be recorded, or a recorded block appended: at the top of a span's
    /// attributes (not inside a list).</summary>
    bool CanCopy { get; }

    /// <summary>Where the bytes of the next attribute start.</summary>
    int Position { get; }

    /// <summary>The attributes written since <paramref name="position"/>, as <see cref="AppendCopy"/> takes them.</summary>
    ReadOnlySpan<byte> WrittenSince(int position);

    /// <summary>Appends a block of <paramref name="attributes"/> attributes that <see cref="WrittenSince"/> gave for an
    /// earlier span.</summary>
    void AppendCopy(ReadOnlySpan<byte> block, int attributes);
}

using System.Runtime.CompilerServices;

namespace OtlpBroadcast;

/// <summary>
/// Every span of a request's tree carries the same identity attributes (<c>user.id</c>, <c>session.id</c>,
/// <c>trace.*</c> and the <c>trace.metadata.*</c> keys): when the JSON encoder writes one variant of a tree, the
/// bytes it wrote for the first span are copied into the next ones instead of being written again (the metadata
/// alone is about a tenth of a tree's encoding). The copy is keyed by the identity's <see cref="RequestIdentity.BlockId"/>
/// (unique per tree) and the destination's <see cref="ContentPolicy"/>, and carries what was cut the first time, so
/// that the counts are those of writing every span.
/// </summary>
/// <remarks>
/// Only the JSON encoder's own sink behind a destination policy takes this path (other sinks write the attributes
/// every time); the bytes are exactly those of writing them, which the tests check against the general path.
/// One block is kept per thread: a tree's spans are encoded one after another on one thread.
/// </remarks>
internal static class RepeatedIdentityBlock
{
    [ThreadStatic]
    private static Recorded? t_last;

    /// <summary>
    /// Writes <paramref name="identity"/> when <paramref name="sink"/> is the JSON encoder's sink and the identity has a
    /// block id, copying the previous span's block when it is the same; <see langword="false"/> when the caller must
    /// write the attributes itself.
    /// </summary>
    public static bool TryWrite<TSink>(ref TSink sink, in RequestIdentity identity, out int metadataCut) where TSink : struct, IAttributeSink
    {
        // A type test the JIT resolves when it specialises the caller for each sink: no cost for the others.
        if (typeof(TSink) != typeof(DestinationAttributeSink<OtlpJsonBufferSink>) || identity.BlockId == 0)
        {
            metadataCut = 0;
            return false;
        }

        metadataCut = Write(ref Unsafe.As<TSink, DestinationAttributeSink<OtlpJsonBufferSink>>(ref sink), identity);
        return true;
    }

    private static int Write(ref DestinationAttributeSink<OtlpJsonBufferSink> sink, in RequestIdentity identity)
    {
        JsonBuffer json = sink.Inner.Buffer;
        Recorded last = t_last ??= new Recorded();
        // The copy counts as the attributes it holds; when the span has no room for all of them (the per-span limit
        // leaves some out), they are written one by one instead.
        if (last.BlockId == identity.BlockId && last.Policy == sink.Policy && sink.TryAdmitCopied(last.Attributes, last.Truncated))
        {
            if (last.Length > 0)
            {
                json.WriteElementSeparator();
                json.Write(last.Bytes.AsSpan(0, last.Length));
            }

            return last.MetadataCut;
        }

        int start = json.Length;
        int truncatedBefore = sink.Truncated;
        int attributesBefore = sink.Attributes;
        int droppedBefore = sink.DroppedAttributes;
        int metadataCut = identity.WriteAttributes(ref sink);
        if (sink.DroppedAttributes == droppedBefore)
        {
            last.Record(identity.BlockId, sink.Policy, json.WrittenSpan[start..], sink.Attributes - attributesBefore, sink.Truncated - truncatedBefore, metadataCut);
        }
        else
        {
            // Not all of it was written: not a block to copy.
            last.BlockId = 0;
        }

        return metadataCut;
    }

    private sealed class Recorded
    {
        // A block that once held huge metadata is not kept for the life of the thread.
        private const int MaxRetained = 64 * 1024;

        public long BlockId;
        public ContentPolicy Policy;
        public byte[] Bytes = new byte[1024];
        public int Length;
        public int Attributes;
        public int Truncated;
        public int MetadataCut;

        /// <summary>Keeps the attributes just written, without the comma that separated them from the span's
        /// previous attribute (the copy writes the separator its own position needs).</summary>
        public void Record(long blockId, ContentPolicy policy, ReadOnlySpan<byte> written, int attributes, int truncated, int metadataCut)
        {
            if (written.Length > 0 && written[0] == (byte)',')
            {
                written = written[1..];
            }

            if (written.Length > Bytes.Length)
            {
                if (written.Length > MaxRetained)
                {
                    // Not kept: the next span writes it again.
                    BlockId = 0;
                    return;
                }

                Bytes = new byte[Math.Max(written.Length, Bytes.Length * 2)];
            }

            written.CopyTo(Bytes);
            Length = written.Length;
            BlockId = blockId;
            Policy = policy;
            Attributes = attributes;
            Truncated = truncated;
            MetadataCut = metadataCut;
        }
    }
}

using System.Runtime.CompilerServices;

namespace OtlpBroadcast;

/// <summary>
/// Every span of a request's tree carries the same identity attributes (<c>user.id</c>, <c>session.id</c>,
/// <c>trace.*</c> and the <c>trace.metadata.*</c> keys): when the JSON or the protobuf encoder writes one variant of
/// a tree, the bytes it wrote for the first span are copied into the next ones instead of being written again (the
/// metadata alone is about a tenth of a tree's JSON; writing it for two spans took about a third of the time of the
/// benchmark tree's protobuf encoding). The copy is keyed by the identity's <see cref="RequestIdentity.BlockId"/>
/// (unique per tree), the encoding and the destination's <see cref="ContentPolicy"/>, and carries what was cut the
/// first time, so that the counts are those of writing every span.
/// </summary>
/// <remarks>
/// Only the encoders' own sinks behind a destination policy take this path (other sinks write the attributes every
/// time); the bytes are exactly those of writing them, which the tests check against the general path. The
/// bookkeeping is the same for both encodings; what differs (where a block starts, how it is appended) is the
/// <see cref="ICopyableAttributeSink"/> of each. One block is kept per thread and encoding: a tree's spans are
/// encoded one after another on one thread.
/// </remarks>
internal static class RepeatedIdentityBlock
{
    /// <summary>
    /// Writes <paramref name="identity"/> when <paramref name="sink"/> is an encoder's sink behind a policy and the
    /// identity has a block id, copying the previous span's block when it is the same; <see langword="false"/> when
    /// the caller must write the attributes itself.
    /// </summary>
    public static bool TryWrite<TSink>(ref TSink sink, in RequestIdentity identity, out int metadataCut) where TSink : struct, IAttributeSink
    {
        // Type tests the JIT resolves when it specialises the caller for each sink: no cost for the others.
        if (identity.BlockId != 0)
        {
            if (typeof(TSink) == typeof(DestinationAttributeSink<OtlpJsonBufferSink>))
            {
                return TryWrite(ref Unsafe.As<TSink, DestinationAttributeSink<OtlpJsonBufferSink>>(ref sink), identity, out metadataCut);
            }

            if (typeof(TSink) == typeof(DestinationAttributeSink<OtlpProtobufAttributeSink>))
            {
                return TryWrite(ref Unsafe.As<TSink, DestinationAttributeSink<OtlpProtobufAttributeSink>>(ref sink), identity, out metadataCut);
            }
        }

        metadataCut = 0;
        return false;
    }

    private static bool TryWrite<TInner>(ref DestinationAttributeSink<TInner> sink, in RequestIdentity identity, out int metadataCut)
        where TInner : struct, ICopyableAttributeSink
    {
        ref TInner inner = ref sink.InnerRef;
        if (!inner.CanCopy)
        {
            metadataCut = 0;
            return false;
        }

        Recorded last = Last<TInner>.Block ??= new Recorded();

        // The copy counts as the attributes it holds; when the span has no room for all of them (the per-span limit
        // leaves some out), they are written one by one instead.
        if (last.BlockId == identity.BlockId && last.Policy == sink.Policy && sink.TryAdmitCopied(last.Attributes, last.Truncated))
        {
            inner.AppendCopy(last.Bytes.AsSpan(0, last.Length), last.Attributes);
            metadataCut = last.MetadataCut;
            return true;
        }

        int start = inner.Position;
        int truncatedBefore = sink.Truncated;
        int attributesBefore = sink.Attributes;
        int droppedBefore = sink.DroppedAttributes;
        metadataCut = identity.WriteAttributes(ref sink);
        if (sink.DroppedAttributes == droppedBefore)
        {
            last.Record(identity.BlockId, sink.Policy, inner.WrittenSince(start), sink.Attributes - attributesBefore, sink.Truncated - truncatedBefore, metadataCut);
        }
        else
        {
            // Not all of it was written: not a block to copy.
            last.BlockId = 0;
        }

        return true;
    }

    /// <summary>The last block written on this thread in the encoding of <typeparamref name="TInner"/>.</summary>
    private static class Last<TInner>
    {
        [ThreadStatic]
        public static Recorded? Block;
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

        /// <summary>Keeps the attributes just written.</summary>
        public void Record(long blockId, ContentPolicy policy, ReadOnlySpan<byte> written, int attributes, int truncated, int metadataCut)
        {
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

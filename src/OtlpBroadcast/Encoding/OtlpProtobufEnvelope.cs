using System.Buffers;
using F = OtlpBroadcast.OtlpProtobufFields;

namespace OtlpBroadcast;

/// <summary>
/// The OTLP protobuf <c>ExportTraceServiceRequest</c> around a batch of encoded spans:
/// <c>resource_spans { resource { … } scope_spans { scope { … } spans { fragment } spans { fragment } … } }</c>.
/// The resource and scope messages are encoded once; a batch computes the two enclosing lengths from the fragment
/// sizes and writes each fragment as a length-delimited <c>spans</c> field, so nothing is serialised twice.
/// </summary>
public sealed class OtlpProtobufEnvelope : ISpanEnvelope
{
    // Tag bytes of the fields the envelope frames (all length-delimited, all with field numbers below 16).
    private static readonly byte ResourceSpansTag = Tag(F.RequestResourceSpans);
    private static readonly byte ScopeSpansTag = Tag(F.ResourceSpansScopeSpans);
    private static readonly byte SpanTag = Tag(F.ScopeSpansSpans);

    private readonly byte[] _resourceField;
    private readonly byte[] _scopeField;

    /// <summary>Prepares the envelope of <paramref name="resource"/>, with this SDK as the instrumentation scope.</summary>
    public OtlpProtobufEnvelope(OtlpResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        Resource = resource;
        using var buffer = new ProtobufBuffer();
        buffer.BeginMessage(F.ResourceSpansResource);
        OtlpProtobufSpanWriter.WriteAttributes(buffer, F.ResourceAttributes, resource.Attributes);
        buffer.EndMessage();
        _resourceField = buffer.WrittenSpan.ToArray();

        buffer.Clear();
        buffer.BeginMessage(F.ScopeSpansScope);
        buffer.WriteStringField(F.ScopeName, SdkInfo.Name);
        buffer.WriteStringField(F.ScopeVersion, SdkInfo.Version);
        buffer.EndMessage();
        _scopeField = buffer.WrittenSpan.ToArray();
    }

    /// <summary>The resource of every span in this envelope.</summary>
    public OtlpResource Resource { get; }

    /// <summary>The bytes one span of <paramref name="fragmentLength"/> bytes adds to a body: its tag, its length
    /// varint and its bytes.</summary>
    public static long FramedLength(int fragmentLength)
        => 1 + ProtobufBuffer.VarintSize((ulong)fragmentLength) + (long)fragmentLength;

    /// <summary>The exact body size for the given fragments.</summary>
    public int MeasureBody(IReadOnlyList<SpanFragment> fragments)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        long framed = 0;
        for (int i = 0; i < fragments.Count; i++)
        {
            framed += FramedLength(fragments[i].Length);
        }

        return MeasureFramed(framed);
    }

    /// <summary>The size a batch would have with no span at all.</summary>
    public int Overhead => MeasureFramed(0);

    SpanEncoding ISpanEnvelope.Encoding => SpanEncoding.Protobuf;

    long ISpanEnvelope.SpanCost(int fragmentLength) => FramedLength(fragmentLength);

    int ISpanEnvelope.MeasureBody(int spanCount, long spanCost) => MeasureFramed(spanCost);

    /// <summary>Writes the whole request body for the given protobuf fragments.</summary>
    public void Write(IBufferWriter<byte> output, IReadOnlyList<SpanFragment> fragments)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(fragments);
        long framed = 0;
        for (int i = 0; i < fragments.Count; i++)
        {
            SpanFragment fragment = fragments[i];
            if (fragment.Encoding != SpanEncoding.Protobuf)
            {
                throw new ArgumentException("Only protobuf fragments can go into a protobuf envelope.", nameof(fragments));
            }

            framed += FramedLength(fragment.Length);
        }

        // The fixed part in one piece: resource_spans' head, the resource, scope_spans' head, the scope.
        (long scopeSpansLength, long resourceSpansLength) = Lengths(framed);
        int prefixLength = 1 + ProtobufBuffer.VarintSize((ulong)resourceSpansLength) + _resourceField.Length
            + 1 + ProtobufBuffer.VarintSize((ulong)scopeSpansLength) + _scopeField.Length;
        Span<byte> prefix = output.GetSpan(prefixLength);
        int n = ProtobufBuffer.WriteLengthDelimitedHead(prefix, ResourceSpansTag, resourceSpansLength);
        _resourceField.CopyTo(prefix[n..]);
        n += _resourceField.Length;
        n += ProtobufBuffer.WriteLengthDelimitedHead(prefix[n..], ScopeSpansTag, scopeSpansLength);
        _scopeField.CopyTo(prefix[n..]);
        output.Advance(prefixLength);

        // Then each span as a length-delimited field, head and bytes in one piece.
        for (int i = 0; i < fragments.Count; i++)
        {
            ReadOnlySpan<byte> bytes = fragments[i].Bytes;
            int length = (int)FramedLength(bytes.Length);
            Span<byte> room = output.GetSpan(length);
            bytes.CopyTo(room[ProtobufBuffer.WriteLengthDelimitedHead(room, SpanTag, bytes.Length)..]);
            output.Advance(length);
        }
    }

    private int MeasureFramed(long framed)
    {
        (_, long resourceSpansLength) = Lengths(framed);
        return checked((int)(1 + ProtobufBuffer.VarintSize((ulong)resourceSpansLength) + resourceSpansLength));
    }

    private (long ScopeSpans, long ResourceSpans) Lengths(long framed)
    {
        long scopeSpans = _scopeField.Length + framed;
        long resourceSpans = _resourceField.Length + 1 + ProtobufBuffer.VarintSize((ulong)scopeSpans) + scopeSpans;
        return (scopeSpans, resourceSpans);
    }

    private static byte Tag(int field) => (byte)((field << 3) | (int)WireType.LengthDelimited);
}

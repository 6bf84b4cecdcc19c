using System.Buffers;
using System.Text.Json;
using N = OtlpBroadcast.OtlpJsonNames;

namespace OtlpBroadcast;

/// <summary>
/// The OTLP/JSON <c>ExportTraceServiceRequest</c> around a batch of encoded spans. The resource and scope part is
/// encoded once; a batch is that prefix, the span fragments joined by commas, and a fixed suffix.
/// </summary>
public sealed class OtlpJsonEnvelope : ISpanEnvelope
{
    private static readonly byte[] Suffix = "]}]}]}"u8.ToArray();
    private readonly byte[] _prefix;

    /// <summary>Prepares the envelope of <paramref name="resource"/>, with this SDK as the instrumentation scope.</summary>
    public OtlpJsonEnvelope(OtlpResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        Resource = resource;
        using var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray(N.ResourceSpans);
            writer.WriteStartObject();
            writer.WriteStartObject(N.Resource);
            OtlpJsonSpanWriter.WriteAttributeArray(writer, [.. resource.Attributes]);
            writer.WriteEndObject();
            writer.WriteStartArray(N.ScopeSpans);
            writer.WriteStartObject();
            writer.WriteStartObject(N.Scope);
            writer.WriteString(N.Name, SdkInfo.Name);
            writer.WriteString(N.Version, SdkInfo.Version);
            writer.WriteEndObject();
            writer.WriteStartArray(N.Spans);
            writer.Flush();
        }

        // The writer left "[" open for spans; what follows is raw concatenation, closed by Suffix.
        _prefix = buffer.WrittenSpan.ToArray();
    }

    /// <summary>The resource of every span in this envelope.</summary>
    public OtlpResource Resource { get; }

    /// <summary>The number of bytes of the envelope around <paramref name="spanCount"/> fragments totalling
    /// <paramref name="fragmentBytes"/> bytes.</summary>
    public int MeasureBody(int spanCount, long fragmentBytes)
        => checked((int)(_prefix.Length + Suffix.Length + fragmentBytes + Math.Max(0, spanCount - 1)));

    /// <summary>The size a batch would have with no span at all (prefix and suffix).</summary>
    public int Overhead => _prefix.Length + Suffix.Length;

    SpanEncoding ISpanEnvelope.Encoding => SpanEncoding.Json;

    long ISpanEnvelope.SpanCost(int fragmentLength) => fragmentLength;

    int ISpanEnvelope.MeasureBody(int spanCount, long spanCost) => MeasureBody(spanCount, spanCost);

    /// <summary>Writes the whole request body for the given JSON fragments.</summary>
    public void Write(IBufferWriter<byte> output, IReadOnlyList<SpanFragment> fragments)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(fragments);
        output.Write(_prefix);
        for (int i = 0; i < fragments.Count; i++)
        {
            SpanFragment fragment = fragments[i];
            if (fragment.Encoding != SpanEncoding.Json)
            {
                throw new ArgumentException("Only JSON fragments can go into a JSON envelope.", nameof(fragments));
            }

            if (i > 0)
            {
                output.Write(","u8);
            }

            output.Write(fragment.Bytes);
        }

        output.Write(Suffix);
    }
}

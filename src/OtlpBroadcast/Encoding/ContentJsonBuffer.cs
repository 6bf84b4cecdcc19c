using System.ComponentModel;
using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>
/// A reusable buffer in which generated writers serialise a sensitive object member to JSON before writing it as
/// one string attribute. One instance per thread is kept, so warmed-up serialisation allocates nothing.
/// </summary>
/// <remarks>Rent it with <see cref="Rent"/> and dispose it when the written bytes have been used. A nested rent
/// (content inside content) gets a fresh instance rather than overwriting the outer one.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ContentJsonBuffer : IDisposable
{
    // A buffer that once held a huge prompt is not worth keeping for the life of the thread.
    private const int MaxRetainedBytes = 1024 * 1024;

    [ThreadStatic]
    private static ContentJsonBuffer? t_cached;

    private PooledBufferWriter _buffer;
    private readonly Utf8JsonWriter _writer;

    private ContentJsonBuffer()
    {
        _buffer = new PooledBufferWriter();
        _writer = new Utf8JsonWriter(_buffer, OtlpJsonNames.WriterOptions);
    }

    /// <summary>The writer to serialise into.</summary>
    public Utf8JsonWriter Writer => _writer;

    /// <summary>Takes this thread's buffer, or a new one when it is in use.</summary>
    public static ContentJsonBuffer Rent()
    {
        ContentJsonBuffer? cached = t_cached;
        if (cached is null)
        {
            return new ContentJsonBuffer();
        }

        t_cached = null;
        return cached;
    }

    /// <summary>Writes <paramref name="value"/> as a JSON object of its attributes (all content included, since the
    /// caller already decided that content is written), or <c>null</c>.</summary>
    public static void WriteObject<T>(Utf8JsonWriter writer, T? value) where T : IOtlpAttributes
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        var sink = new JsonContentAttributeSink(writer);
        value.WriteOtlpAttributes(ref sink, includeContent: true);
        writer.WriteEndObject();
    }

    /// <summary>The UTF-8 JSON written so far; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> GetWrittenUtf8()
    {
        _writer.Flush();
        return _buffer.WrittenSpan;
    }

    /// <summary>Clears the buffer and gives it back to the thread.</summary>
    public void Dispose()
    {
        _writer.Reset(_buffer);
        _buffer.Clear();
        if (_buffer.Capacity > MaxRetainedBytes)
        {
            _buffer.Dispose();
            _buffer = new PooledBufferWriter();
            _writer.Reset(_buffer);
        }

        t_cached ??= this;
    }
}

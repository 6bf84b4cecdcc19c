using System.ComponentModel;
using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>
/// A reusable buffer in which generated writers serialise a sensitive object member to JSON before writing it as
/// one string attribute. One instance per thread is kept, so warmed-up serialisation allocates nothing.
/// </summary>
/// <remarks>
/// Rent it with <see cref="Rent"/>, write one object (<see cref="WriteObject{T}(T)"/>) or an array of them
/// (<see cref="WriteStartArray"/>, <see cref="WriteObject{T}(T)"/> per item, <see cref="WriteEndArray"/>), pass
/// <see cref="GetWrittenUtf8"/> to the sink and dispose it. A nested rent (content inside content) gets another
/// instance rather than overwriting the outer one; each thread keeps a few. The JSON is written straight into a buffer
/// (<see cref="JsonBufferContentSink{TText}"/>), with the bytes <see cref="JsonContentAttributeSink"/> writes through a
/// <see cref="Utf8JsonWriter"/>.
/// <para>
/// Rented for the sink of an OTLP/JSON encoding (<see cref="Rent{TSink}"/>), it writes that JSON already escaped as the
/// inside of a JSON string, which is how the span carries it: the sink copies it as it is, instead of escaping the
/// rendered text a second time. <see cref="GetWrittenUtf8"/> still gives the JSON itself (unescaping it aside), for a
/// value that has to be cut.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ContentJsonBuffer : IDisposable
{
    /// <summary>How many buffers a thread keeps: content nested in content (a message's parts inside the messages)
    /// rents one per level, and each level is reused.</summary>
    private const int CachedPerThread = 4;

    [ThreadStatic]
    private static ContentJsonBuffer?[]? t_cached;

    /// <summary>This thread's buffers not in use (a slot is empty while its buffer is rented).</summary>
    private static ContentJsonBuffer?[] ThreadCache => t_cached ??= new ContentJsonBuffer?[CachedPerThread];

    private readonly JsonBuffer _json = new();

    /// <summary>The JSON unescaped from an embedded rendering, made when asked for.</summary>
    private JsonBuffer? _unescaped;

    /// <summary>Whether <see cref="_json"/> holds the JSON escaped as the inside of a JSON string.</summary>
    private bool _embedded;

    private ContentJsonBuffer()
    {
    }

    /// <summary>Takes one of this thread's buffers, or a new one when they are all in use.</summary>
    public static ContentJsonBuffer Rent()
    {
        ContentJsonBuffer?[] cached = ThreadCache;
        for (int i = 0; i < cached.Length; i++)
        {
            if (cached[i] is { } buffer)
            {
                cached[i] = null;
                return buffer;
            }
        }

        return new ContentJsonBuffer();
    }

    /// <summary>Takes this thread's buffer, or a new one when it is in use, to render content for
    /// <typeparamref name="TSink"/>: in the form that sink writes it in.</summary>
    public static ContentJsonBuffer Rent<TSink>() where TSink : struct, IAttributeSink
    {
        ContentJsonBuffer buffer = Rent();

        // Type tests the JIT resolves for each sink: the OTLP/JSON encoder's own sinks embed the JSON in a string, and
        // so does content nested in content rendered for them (a message's parts), which is then copied as it is.
        buffer._embedded = typeof(TSink) == typeof(DestinationAttributeSink<OtlpJsonBufferSink>)
            || typeof(TSink) == typeof(OtlpJsonBufferSink)
            || typeof(TSink) == typeof(JsonBufferContentSink<EmbeddedJsonText>);
        return buffer;
    }

    /// <summary>Starts a JSON array (of objects written with <see cref="WriteObject{T}(T)"/>).</summary>
    public void WriteStartArray()
    {
        _json.WriteValueSeparator();
        _json.WriteByte((byte)'[');
    }

    /// <summary>Ends the array started by <see cref="WriteStartArray"/>.</summary>
    public void WriteEndArray() => _json.WriteByte((byte)']');

    /// <summary>Writes <paramref name="value"/> as a JSON object of its attributes (all content included, since the
    /// caller already decided that content is written), or <c>null</c>.</summary>
    public void WriteObject<T>(T? value) where T : IOtlpAttributes
    {
        _json.WriteValueSeparator();
        if (value is null)
        {
            _json.Write("null"u8);
            return;
        }

        if (_embedded)
        {
            WriteNonNull<T, EmbeddedJsonText>(value);
        }
        else
        {
            WriteNonNull<T, PlainJsonText>(value);
        }
    }

    /// <summary>A value that is not <c>null</c>, in the form of <typeparamref name="TText"/>: a text-only chat message
    /// from its strings, anything else as the object of its attributes.</summary>
    private void WriteNonNull<T, TText>(T value) where T : IOtlpAttributes where TText : struct, IContentJsonText
    {
        if (value is ITextOnlyMessage message && message.TryGetTextOnly(out string role, out string text, out string? finishReason))
        {
            WriteTextOnly<TText>(role, text, finishReason);
            return;
        }

        _json.WriteByte((byte)'{');
        var sink = new JsonBufferContentSink<TText>(_json);
        value.WriteOtlpAttributes(ref sink, includeContent: true);
        _json.WriteByte((byte)'}');
    }

    /// <summary>
    /// A text-only chat message (<see cref="ITextOnlyMessage"/>): the bytes its generated writer gives it, written from
    /// its strings. Nearly every message is one, and the general path costs it most of its rendering: a dispatch to the
    /// writer, the parts made on first use, a buffer for them and a copy.
    /// </summary>
    private void WriteTextOnly<TText>(string role, string text, string? finishReason) where TText : struct, IContentJsonText
    {
        TText.Constant(_json, TextOnlyPieces.BeforeRole, TextOnlyPieces.BeforeRoleEmbedded);
        TText.Escaped(_json, role);
        TText.Constant(_json, TextOnlyPieces.BeforeText, TextOnlyPieces.BeforeTextEmbedded);
        TText.Escaped(_json, text);
        if (finishReason is null)
        {
            TText.Constant(_json, TextOnlyPieces.End, TextOnlyPieces.EndEmbedded);
            return;
        }

        TText.Constant(_json, TextOnlyPieces.BeforeFinishReason, TextOnlyPieces.BeforeFinishReasonEmbedded);
        TText.Escaped(_json, finishReason);
        TText.Constant(_json, TextOnlyPieces.EndAfterFinishReason, TextOnlyPieces.EndAfterFinishReasonEmbedded);
    }

    /// <summary>The constant JSON of a text-only message, plain and escaped as the inside of a string (escaped once,
    /// here, by the escaping every embedded rendering uses).</summary>
    private static class TextOnlyPieces
    {
        public static readonly byte[] BeforeRole = "{\"role\":\""u8.ToArray();
        public static readonly byte[] BeforeText = "\",\"parts\":[{\"type\":\"text\",\"content\":\""u8.ToArray();
        public static readonly byte[] End = "\"}]}"u8.ToArray();
        public static readonly byte[] BeforeFinishReason = "\"}],\"finish_reason\":\""u8.ToArray();
        public static readonly byte[] EndAfterFinishReason = "\"}"u8.ToArray();

        public static readonly byte[] BeforeRoleEmbedded = Embedded(BeforeRole);
        public static readonly byte[] BeforeTextEmbedded = Embedded(BeforeText);
        public static readonly byte[] EndEmbedded = Embedded(End);
        public static readonly byte[] BeforeFinishReasonEmbedded = Embedded(BeforeFinishReason);
        public static readonly byte[] EndAfterFinishReasonEmbedded = Embedded(EndAfterFinishReason);

        private static byte[] Embedded(byte[] plain)
        {
            var json = new JsonBuffer();
            json.WriteEscapedJson(plain);
            return json.WrittenSpan.ToArray();
        }
    }

    /// <summary>Writes <paramref name="value"/> as a JSON object of its attributes, or <c>null</c>, through
    /// <paramref name="writer"/> (the general path, <see cref="JsonContentAttributeSink"/>).</summary>
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
        if (!_embedded)
        {
            return _json.WrittenSpan;
        }

        JsonBuffer unescaped = _unescaped ??= new JsonBuffer();
        unescaped.Clear();
        unescaped.WriteUnescapedJson(_json.WrittenSpan);
        return unescaped.WrittenSpan;
    }

    /// <summary>At least the length of <see cref="GetWrittenUtf8"/> (its length, or that of its embedded form), known
    /// without unescaping anything.</summary>
    internal int LengthBound => _json.Length;

    /// <summary>The JSON written so far escaped as the inside of a JSON string, when it was rendered in that form
    /// (rented for an OTLP/JSON sink); otherwise <see langword="false"/>.</summary>
    internal bool TryGetEmbedded(out ReadOnlySpan<byte> embedded)
    {
        embedded = _embedded ? _json.WrittenSpan : default;
        return _embedded;
    }

    /// <summary>Clears the buffer (giving back one grown past 1 MB) and gives it back to the thread.</summary>
    public void Dispose()
    {
        _json.Clear();
        _unescaped?.Clear();
        _embedded = false;
        ContentJsonBuffer?[] cached = ThreadCache;
        int free = -1;
        for (int i = 0; i < cached.Length; i++)
        {
            if (ReferenceEquals(cached[i], this))
            {
                // Disposed twice: kept once, or two renters would share it.
                return;
            }

            if (cached[i] is null && free < 0)
            {
                free = i;
            }
        }

        if (free >= 0)
        {
            cached[free] = this;
        }
    }
}

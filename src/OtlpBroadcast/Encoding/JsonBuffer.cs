using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Unicode;

namespace OtlpBroadcast;

/// <summary>
/// A growable buffer of UTF-8 JSON text over arrays from <see cref="ArrayPool{T}.Shared"/>, for writers that know the
/// shape of what they write (<see cref="OtlpJsonBufferSpanWriter"/>): constant pieces are copied as they are, with no
/// writer state or validation in between. Reused between spans, so steady-state encoding allocates nothing.
/// </summary>
/// <remarks>
/// Strings are escaped exactly as <see cref="System.Text.Json.Utf8JsonWriter"/> escapes them with
/// <see cref="OtlpJsonNames.WriterOptions"/> (the general path, <see cref="OtlpJsonSpanWriter"/>): runs of plain ASCII
/// are found with a vectorised search and copied, ASCII that needs escaping is written from
/// <see cref="JsonEscapes"/>' table, and non-ASCII text is handed to the writer's own encoder. Invalid input is
/// replaced as the general path replaces it: invalid UTF-8 decodes to U+FFFD, a lone UTF-16 surrogate is written
/// as the escaped replacement character.
/// </remarks>
internal sealed class JsonBuffer
{
    private const int MinimumSize = 4096;

    // A buffer that once held a huge prompt is not kept for the life of the thread.
    private const int MaxRetainedSize = 1024 * 1024;

    // UTF-8 bytes per step when non-ASCII UTF-16 text is transcoded for escaping.
    private const int TranscodeStep = 1024;

    // Up to this length, text is checked for characters to escape one by one: a vectorised search costs more to set
    // up than it saves on a short value.
    private const int ShortRun = 16;

    private byte[] _buffer;
    private byte[]? _transcoded;
    private JsonBuffer? _scratch;
    private int _position;
    private RecentNumber _lastDouble = new();
    private RecentNumber _timeA = new();
    private RecentNumber _timeB = new();
    private bool _replaceTimeB;

    public JsonBuffer(int initialCapacity = MinimumSize)
        => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, MinimumSize));

    public int Length => _position;

    /// <summary>The size of the array written into (for tests of what is kept between uses).</summary>
    internal int Capacity => _buffer.Length;

    /// <summary>The size of the array text escaped twice goes through (0 before the first use).</summary>
    internal int ScratchCapacity => _scratch?.Capacity ?? 0;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    /// <summary>Forgets what was written (and gives back a buffer grown past 1 MB).</summary>
    public void Clear()
    {
        _position = 0;
        if (_buffer.Length > MaxRetainedSize)
        {
            byte[] large = _buffer;
            _buffer = ArrayPool<byte>.Shared.Rent(MinimumSize);
            ArrayPool<byte>.Shared.Return(large);
        }
    }

    /// <summary>
    /// Writes a comma unless the last byte is the <c>[</c> that opened the current array. Every element the span
    /// writer puts in an array is an object, so before any later element the last byte is its predecessor's <c>}</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteElementSeparator()
    {
        if (_buffer[_position - 1] != (byte)'[')
        {
            WriteByte((byte)',');
        }
    }

    /// <summary>
    /// Writes a comma unless nothing was written yet or the last byte opened an object or array: before a property
    /// or an array item of plain JSON (a value right after a property name is written without it).
    /// </summary>
    public void WriteValueSeparator()
    {
        if (_position > 0 && _buffer[_position - 1] is not ((byte)'{' or (byte)'['))
        {
            WriteByte((byte)',');
        }
    }

    /// <summary>Copies UTF-8 JSON text as it is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(ReadOnlySpan<byte> json)
    {
        if (json.Length > _buffer.Length - _position)
        {
            Grow(json.Length);
        }

        json.CopyTo(_buffer.AsSpan(_position));
        _position += json.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_position == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_position++] = value;
    }

    /// <summary>A 64-bit integer in decimal.</summary>
    public void WriteInt64(long value) => _position += FormatInt64(value, Reserve(20));

    /// <summary>A finite double as <see cref="System.Text.Json.Utf8JsonWriter"/> writes it: the shortest text that
    /// round-trips.</summary>
    public void WriteDouble(double value)
    {
        Debug.Assert(double.IsFinite(value), "JSON numbers are finite; the caller writes NaN and infinities as strings.");
        Span<byte> destination = Reserve(RecentNumber.MaxText);
        long bits = BitConverter.DoubleToInt64Bits(value);

        // The same value again (a generation's total cost is written as gen_ai.usage.total_cost and as
        // gen_ai.usage.cost; a sum like 0.00011250000000000001 needs the slow general formatter).
        int written = _lastDouble.TryCopy(bits, destination);
        if (written == 0)
        {
            if (!ShortDoubleFormat.TryFormat(value, destination, out written))
            {
                value.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
            }

            _lastDouble.Keep(bits, destination[..written]);
        }

        _position += written;
    }

    /// <summary>
    /// A span time in nanoseconds since the Unix epoch (19 digits), in decimal. The top span and the generation span
    /// of a tree cover the same request, so the texts of the last two times are kept and copied.
    /// </summary>
    public void WriteUnixNanos(long nanos)
    {
        Span<byte> destination = Reserve(RecentNumber.MaxText);
        int written = _timeA.TryCopy(nanos, destination);
        if (written == 0)
        {
            written = _timeB.TryCopy(nanos, destination);
        }

        if (written == 0)
        {
            written = FormatInt64(nanos, destination);
            ref RecentNumber oldest = ref _replaceTimeB ? ref _timeB : ref _timeA;
            oldest.Keep(nanos, destination[..written]);
            _replaceTimeB = !_replaceTimeB;
        }

        _position += written;
    }

    private static int FormatInt64(long value, Span<byte> destination)
    {
        int sign = 0;
        if (value < 0)
        {
            destination[0] = (byte)'-';
            sign = 1;
        }

        // long.MinValue's magnitude does not fit a long but does fit a ulong.
        return sign + DecimalDigits.Write(value < 0 ? unchecked((ulong)-value) : (ulong)value, destination[sign..]);
    }

    /// <summary>An id (<see cref="TraceId"/>, <see cref="SpanId"/>) in lowercase hex.</summary>
    public void WriteHex<TId>(TId id) where TId : IUtf8SpanFormattable
    {
        id.TryFormat(Reserve(TraceId.HexLength), out int written, default, null);
        _position += written;
    }

    /// <summary>Bytes in base64.</summary>
    public void WriteBase64(ReadOnlySpan<byte> bytes)
    {
        Base64.EncodeToUtf8(bytes, Reserve(Base64.GetMaxEncodedToUtf8Length(bytes.Length)), out _, out int written);
        _position += written;
    }

    /// <summary>Writes UTF-8 text as the inside of a JSON string (without quotes).</summary>
    public void WriteEscaped(ReadOnlySpan<byte> utf8)
    {
        int start = _position;
        if (!TryWriteEscaped(utf8))
        {
            // Invalid UTF-8, replaced as the general path replaces it: decoded with U+FFFD, then written as text.
            _position = start;
            char[] chars = ArrayPool<char>.Shared.Rent(utf8.Length);
            int length = System.Text.Encoding.UTF8.GetChars(utf8, chars);
            WriteEscaped(chars.AsSpan(0, length));
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// Writes JSON text that this SDK wrote (<see cref="ContentJsonBuffer"/>) as the inside of a JSON string. In such
    /// text every character a JSON string must escape is already escaped, except the quotes and backslashes of that
    /// text itself: only those are escaped here, which gives the bytes of <see cref="WriteEscaped(ReadOnlySpan{byte})"/>.
    /// </summary>
    public void WriteEscapedJson(ReadOnlySpan<byte> json)
    {
        // Room for the worst case (every byte escaped) and one vector's overhang, reserved once.
        Span<byte> destination = Reserve((json.Length * 2) + Vector256<byte>.Count);
        int read = 0;
        int written = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            EscapeQuotesAndBackslashes<Vector256Blocks>(json, destination, ref read, ref written);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            EscapeQuotesAndBackslashes<Vector128Blocks>(json, destination, ref read, ref written);
        }

        for (; read < json.Length; read++)
        {
            byte b = json[read];
            if (b is (byte)'"' or (byte)'\\')
            {
                destination[written++] = (byte)'\\';
            }

            destination[written++] = b;
        }

        _position += written;
    }

    /// <summary>
    /// Copies whole blocks of <paramref name="json"/> while a whole block remains: a block without quote or
    /// backslash is stored as it is; otherwise it is stored too, but only the bytes before its first special byte
    /// count, that byte is written escaped, and the next block starts right after it. The caller reserved twice the
    /// input and a block more; bounds are checked by the loop, not per access.
    /// </summary>
    private static void EscapeQuotesAndBackslashes<TBlocks>(ReadOnlySpan<byte> json, Span<byte> destination, ref int read, ref int written)
        where TBlocks : struct, IByteBlocks
    {
        Debug.Assert(destination.Length >= (json.Length * 2) + TBlocks.Size, "Room for every byte escaped and a block more.");
        ref byte source = ref MemoryMarshal.GetReference(json);
        ref byte target = ref MemoryMarshal.GetReference(destination);
        while (json.Length - read >= TBlocks.Size)
        {
            uint specials = TBlocks.CopyAndFindQuotesOrBackslashes(ref source, (nuint)read, ref target, (nuint)written);
            if (specials == 0)
            {
                read += TBlocks.Size;
                written += TBlocks.Size;
                continue;
            }

            int plain = BitOperations.TrailingZeroCount(specials);
            written += plain;
            read += plain;
            Unsafe.Add(ref target, written++) = (byte)'\\';
            Unsafe.Add(ref target, written++) = Unsafe.Add(ref source, read++);
        }
    }

    /// <summary>A block of bytes copied and searched at once.</summary>
    private interface IByteBlocks
    {
        static abstract int Size { get; }

        /// <summary>Copies the block at <paramref name="from"/> to <paramref name="to"/>; returns a bit per byte that is a
        /// quote or a backslash.</summary>
        static abstract uint CopyAndFindQuotesOrBackslashes(ref byte source, nuint from, ref byte target, nuint to);
    }

    private readonly struct Vector128Blocks : IByteBlocks
    {
        public static int Size => Vector128<byte>.Count;

        public static uint CopyAndFindQuotesOrBackslashes(ref byte source, nuint from, ref byte target, nuint to)
        {
            Vector128<byte> block = Vector128.LoadUnsafe(ref source, from);
            block.StoreUnsafe(ref target, to);
            return (Vector128.Equals(block, Vector128.Create((byte)'"')) | Vector128.Equals(block, Vector128.Create((byte)'\\'))).ExtractMostSignificantBits();
        }
    }

    private readonly struct Vector256Blocks : IByteBlocks
    {
        public static int Size => Vector256<byte>.Count;

        public static uint CopyAndFindQuotesOrBackslashes(ref byte source, nuint from, ref byte target, nuint to)
        {
            Vector256<byte> block = Vector256.LoadUnsafe(ref source, from);
            block.StoreUnsafe(ref target, to);
            return (Vector256.Equals(block, Vector256.Create((byte)'"')) | Vector256.Equals(block, Vector256.Create((byte)'\\'))).ExtractMostSignificantBits();
        }
    }

    /// <summary>Writes UTF-16 text as the inside of a JSON string (without quotes).</summary>
    public void WriteEscaped(ReadOnlySpan<char> chars)
    {
        int plain = WritePlainAsciiPrefix(chars);
        if (plain == chars.Length)
        {
            return;
        }

        ReadOnlySpan<char> rest = chars[plain..];
        byte[] transcoded = _transcoded ??= new byte[TranscodeStep];
        while (!rest.IsEmpty)
        {
            // Whole scalars only: the step stops before a character that would not fit, or at a lone surrogate.
            OperationStatus status = Utf8.FromUtf16(rest, transcoded, out int read, out int written, replaceInvalidSequences: false);
            bool valid = TryWriteEscaped(transcoded.AsSpan(0, written));
            Debug.Assert(valid, "Transcoded UTF-16 is valid UTF-8.");
            rest = rest[read..];
            if (status == OperationStatus.InvalidData)
            {
                Write(JsonEscapes.LoneSurrogate);
                rest = rest[1..];
            }
        }
    }

    /// <summary>
    /// Writes UTF-16 text escaped twice: the bytes <see cref="WriteEscaped(ReadOnlySpan{char})"/> writes, written as
    /// the inside of a JSON string (<see cref="WriteEscapedJson"/>), in one pass. This is how content JSON is
    /// rendered straight into the form a JSON attribute value embeds it in (see <see cref="ContentJsonBuffer"/>).
    /// </summary>
    /// <remarks>Plain ASCII reads the same escaped once or twice; an ASCII character to escape is written from
    /// <see cref="JsonEscapes"/>' second table; a run of non-ASCII text is escaped once aside and then again.</remarks>
    public void WriteEscapedTwice(ReadOnlySpan<char> chars)
    {
        while (true)
        {
            chars = chars[WritePlainAsciiPrefix(chars)..];
            if (chars.IsEmpty)
            {
                return;
            }

            if (chars[0] < 0x80)
            {
                _position += JsonEscapes.WriteAsciiTwice((byte)chars[0], Reserve(sizeof(ulong)));
                chars = chars[1..];
                continue;
            }

            // Up to the next ASCII character (a surrogate pair, both halves above ASCII, stays in one run).
            int run = chars.IndexOfAny(JsonEscapes.AsciiChars);
            if (run < 0)
            {
                run = chars.Length;
            }

            JsonBuffer scratch = _scratch ??= new JsonBuffer();
            scratch.WriteEscaped(chars[..run]);
            WriteEscapedJson(scratch.WrittenSpan);

            // Emptied at once (a buffer grown past 1 MB by a huge run is given back, not kept with this one).
            scratch.Clear();
            chars = chars[run..];
        }
    }

    /// <summary>
    /// Writes UTF-8 text escaped twice: the bytes <see cref="WriteEscaped(ReadOnlySpan{byte})"/> writes (invalid UTF-8
    /// replaced as it replaces it), written as the inside of a JSON string (<see cref="WriteEscapedJson"/>).
    /// </summary>
    public void WriteEscapedTwice(ReadOnlySpan<byte> utf8)
    {
        int plain = PlainPrefixLength(utf8);
        Write(utf8[..plain]);
        if (plain < utf8.Length)
        {
            // Rare in content (keys are plain, most text comes as UTF-16): escaped once aside, then again.
            JsonBuffer scratch = _scratch ??= new JsonBuffer();
            scratch.WriteEscaped(utf8[plain..]);
            WriteEscapedJson(scratch.WrittenSpan);
            scratch.Clear();
        }
    }

    /// <summary>
    /// Undoes <see cref="WriteEscapedJson"/>: copies <paramref name="embedded"/> with its escaped quotes and
    /// backslashes (<c>\"</c>, <c>\\</c>) written as themselves, giving back the JSON text it was made from.
    /// </summary>
    public void WriteUnescapedJson(ReadOnlySpan<byte> embedded)
    {
        Span<byte> destination = Reserve(embedded.Length);
        int written = 0;
        while (true)
        {
            int plain = embedded.IndexOf((byte)'\\');
            if (plain < 0)
            {
                embedded.CopyTo(destination[written..]);
                written += embedded.Length;
                break;
            }

            Debug.Assert(plain + 1 < embedded.Length && embedded[plain + 1] is (byte)'"' or (byte)'\\', "Only quotes and backslashes are escaped.");
            embedded[..plain].CopyTo(destination[written..]);
            written += plain;
            destination[written++] = embedded[plain + 1];
            embedded = embedded[(plain + 2)..];
        }

        _position += written;
    }

    /// <summary>Writes a JSON string: quotes around the escaped text.</summary>
    public void WriteString(ReadOnlySpan<char> chars)
    {
        WriteByte((byte)'"');
        WriteEscaped(chars);
        WriteByte((byte)'"');
    }

    /// <summary>Escapes UTF-8; <see langword="false"/> (with part of it written) when it is not valid.</summary>
    private bool TryWriteEscaped(ReadOnlySpan<byte> utf8)
    {
        while (true)
        {
            int plain = PlainPrefixLength(utf8);
            Write(utf8[..plain]);
            if (plain == utf8.Length)
            {
                return true;
            }

            utf8 = utf8[plain..];
            if (utf8[0] < 0x80)
            {
                _position += JsonEscapes.WriteAscii(utf8[0], Reserve(sizeof(ulong)));
                utf8 = utf8[1..];
                continue;
            }

            // A run of multi-byte sequences (their bytes are all 0x80 or above, so a valid sequence never spans two
            // runs) goes to the encoder, which knows which characters it escapes. The encoder would write invalid
            // UTF-8 as an escaped U+FFFD, where the general path decodes it first: invalid text is refused here.
            int run = utf8.IndexOfAnyInRange((byte)0, (byte)0x7F);
            if (run < 0)
            {
                run = utf8.Length;
            }

            if (!Utf8.IsValid(utf8[..run]))
            {
                return false;
            }

            Encode(utf8[..run]);

            utf8 = utf8[run..];
        }
    }

    /// <summary>How many bytes at the start need no escaping: counted byte by byte in short text, with a vectorised
    /// search in longer text.</summary>
    private static int PlainPrefixLength(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > ShortRun)
        {
            int plain = utf8.IndexOfAnyExcept(JsonEscapes.PlainAsciiBytes);
            return plain < 0 ? utf8.Length : plain;
        }

        int i = 0;
        while (i < utf8.Length && JsonEscapes.IsPlain(utf8[i]))
        {
            i++;
        }

        return i;
    }

    private void Encode(ReadOnlySpan<byte> nonAscii)
    {
        while (true)
        {
            // An escaped character takes at most three times its UTF-8 length (\u00A0 for two bytes, a surrogate
            // pair's twelve for four).
            Span<byte> destination = Reserve(Math.Min(nonAscii.Length, TranscodeStep) * 3);
            OperationStatus status = JsonEscapes.Encoder.EncodeUtf8(nonAscii, destination, out int read, out int written);
            _position += written;
            if (status != OperationStatus.DestinationTooSmall)
            {
                Debug.Assert(status == OperationStatus.Done, "Valid UTF-8 is always encoded.");
                return;
            }

            nonAscii = nonAscii[read..];
        }
    }

    /// <summary>Narrows the plain ASCII characters at the start of <paramref name="chars"/> into the buffer; returns
    /// how many. Short text (most attribute values) is checked and narrowed in one pass, longer text with vectorised
    /// search and narrowing.</summary>
    private int WritePlainAsciiPrefix(ReadOnlySpan<char> chars)
    {
        Span<byte> destination = Reserve(chars.Length);
        int plain = 0;
        if (chars.Length <= ShortRun)
        {
            while (plain < chars.Length && chars[plain] < 0x80 && JsonEscapes.IsPlain((byte)chars[plain]))
            {
                destination[plain] = (byte)chars[plain];
                plain++;
            }
        }
        else
        {
            plain = chars.IndexOfAnyExcept(JsonEscapes.PlainAsciiChars);
            if (plain < 0)
            {
                plain = chars.Length;
            }

            System.Text.Ascii.FromUtf16(chars[..plain], destination, out _);
        }

        _position += plain;
        return plain;
    }

    /// <summary>Room for at least <paramref name="size"/> bytes at the current position; the caller advances.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        if (size > _buffer.Length - _position)
        {
            Grow(size);
        }

        return _buffer.AsSpan(_position);
    }

    private void Grow(int size)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + size));
        _buffer.AsSpan(0, _position).CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }

    /// <summary>The text of a number written recently, to copy when the same number comes again.</summary>
    private struct RecentNumber()
    {
        /// <summary>Room for any number's text (the longest double is 24 bytes, e.g. -2.2250738585072014E-308).</summary>
        public const int MaxText = 32;

        private readonly byte[] _text = new byte[MaxText];
        private long _key;
        private int _length;

        /// <summary>Copies the text of <paramref name="key"/> to <paramref name="destination"/> if it is the one kept;
        /// returns its length, or 0.</summary>
        public readonly int TryCopy(long key, Span<byte> destination)
        {
            if (_length == 0 || key != _key)
            {
                return 0;
            }

            _text.AsSpan(0, _length).CopyTo(destination);
            return _length;
        }

        public void Keep(long key, ReadOnlySpan<byte> text)
        {
            text.CopyTo(_text);
            _key = key;
            _length = text.Length;
        }
    }
}

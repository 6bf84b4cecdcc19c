using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Encodings.Web;

namespace OtlpBroadcast;

/// <summary>
/// What <see cref="JsonBuffer"/> needs to escape strings exactly as <see cref="System.Text.Json.Utf8JsonWriter"/> does
/// with <see cref="OtlpJsonNames.WriterOptions"/>. Nothing here is a hand-made rule: the tables are read from that
/// writer's own encoder when the type is first used, and non-ASCII text is handed to the encoder itself.
/// </summary>
internal static class JsonEscapes
{
    /// <summary>The encoder of <see cref="OtlpJsonNames.WriterOptions"/> (relaxed: non-ASCII text stays readable).</summary>
    public static readonly JavaScriptEncoder Encoder = OtlpJsonNames.WriterOptions.Encoder!;

    /// <summary>ASCII bytes the encoder copies unchanged (everything printable except <c>"</c> and <c>\</c>).</summary>
    public static readonly SearchValues<byte> PlainAsciiBytes;

    /// <summary>The same set as characters.</summary>
    public static readonly SearchValues<char> PlainAsciiChars;

    /// <summary>Every ASCII character (a search that, unlike <c>IndexOfAnyInRange</c> before the JIT optimises its
    /// caller, allocates nothing).</summary>
    public static readonly SearchValues<char> AsciiChars = SearchValues.Create([.. Enumerable.Range(0, 128).Select(c => (char)c)]);

    /// <summary>Whether the encoder copies a byte unchanged, by byte (non-ASCII bytes are not plain).</summary>
    private static readonly bool[] Plain = new bool[256];

    /// <summary>How the encoder writes each ASCII character (itself when plain, else an escape such as <c>\"</c>,
    /// <c>\n</c> or <c>\u001F</c>, at most six bytes), packed little-endian into eight bytes, and its length.</summary>
    private static readonly ulong[] AsciiPacked = new ulong[128];
    private static readonly byte[] AsciiLength = new byte[128];

    /// <summary>The same, escaped a second time as the inside of a JSON string (the quotes and backslashes of the
    /// first escape escaped: <c>\\\"</c> for <c>"</c>, <c>\\n</c> for a line feed, at most seven bytes).</summary>
    private static readonly ulong[] AsciiTwicePacked = new ulong[128];
    private static readonly byte[] AsciiTwiceLength = new byte[128];

    /// <summary>What the encoder writes for a lone UTF-16 surrogate (the replacement character, escaped).</summary>
    private static readonly byte[] LoneSurrogateEscape = System.Text.Encoding.UTF8.GetBytes(Encoder.Encode("\uD800"));

    static JsonEscapes()
    {
        var plain = new List<byte>(128);
        Span<byte> escaped = stackalloc byte[16];
        Span<byte> twice = stackalloc byte[16];
        for (int c = 0; c < 128; c++)
        {
            ReadOnlySpan<byte> one = [(byte)c];
            if (Encoder.FindFirstCharacterToEncodeUtf8(one) < 0)
            {
                plain.Add((byte)c);
            }

            Encoder.EncodeUtf8(one, escaped, out _, out int written);
            Debug.Assert(written <= sizeof(ulong), "An ASCII escape fits eight bytes.");
            escaped[written..].Clear();
            AsciiPacked[c] = BinaryPrimitives.ReadUInt64LittleEndian(escaped);
            AsciiLength[c] = (byte)written;

            int twiceLength = 0;
            foreach (byte b in escaped[..written])
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    twice[twiceLength++] = (byte)'\\';
                }

                twice[twiceLength++] = b;
            }

            Debug.Assert(twiceLength <= sizeof(ulong), "An ASCII escape escaped again fits eight bytes.");
            twice[twiceLength..].Clear();
            AsciiTwicePacked[c] = BinaryPrimitives.ReadUInt64LittleEndian(twice);
            AsciiTwiceLength[c] = (byte)twiceLength;
        }

        foreach (byte c in plain)
        {
            Plain[c] = true;
        }

        PlainAsciiBytes = SearchValues.Create(plain.ToArray());
        PlainAsciiChars = SearchValues.Create(plain.Select(b => (char)b).ToArray());
    }

    /// <summary>What the encoder writes for a lone UTF-16 surrogate.</summary>
    public static ReadOnlySpan<byte> LoneSurrogate => LoneSurrogateEscape;

    /// <summary>Whether the encoder copies <paramref name="b"/> unchanged (plain ASCII).</summary>
    public static bool IsPlain(byte b) => Plain[b];

    /// <summary>Writes what the encoder writes for the ASCII character <paramref name="c"/> into the first eight
    /// bytes of <paramref name="destination"/>; returns how many of them count.</summary>
    public static int WriteAscii(byte c, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, AsciiPacked[c]);
        return AsciiLength[c];
    }

    /// <summary>Writes what <see cref="WriteAscii"/> writes, escaped again as the inside of a JSON string, into the
    /// first eight bytes of <paramref name="destination"/>; returns how many of them count.</summary>
    public static int WriteAsciiTwice(byte c, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, AsciiTwicePacked[c]);
        return AsciiTwiceLength[c];
    }
}

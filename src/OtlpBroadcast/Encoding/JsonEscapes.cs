using System.Buffers;
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

    /// <summary>How the encoder writes each ASCII character (itself when plain, else an escape such as <c>\"</c>,
    /// <c>\n</c> or <c>\u001F</c>), indexed by the character.</summary>
    private static readonly byte[][] Ascii = new byte[128][];

    /// <summary>What the encoder writes for a lone UTF-16 surrogate (the replacement character, escaped).</summary>
    private static readonly byte[] LoneSurrogateEscape = System.Text.Encoding.UTF8.GetBytes(Encoder.Encode("\uD800"));

    static JsonEscapes()
    {
        var plain = new List<byte>(128);
        Span<byte> escaped = stackalloc byte[16];
        for (int c = 0; c < 128; c++)
        {
            ReadOnlySpan<byte> one = [(byte)c];
            if (Encoder.FindFirstCharacterToEncodeUtf8(one) < 0)
            {
                plain.Add((byte)c);
            }

            Encoder.EncodeUtf8(one, escaped, out _, out int written);
            Ascii[c] = escaped[..written].ToArray();
        }

        PlainAsciiBytes = SearchValues.Create(plain.ToArray());
        PlainAsciiChars = SearchValues.Create(plain.Select(b => (char)b).ToArray());
    }

    /// <summary>What the encoder writes for a lone UTF-16 surrogate.</summary>
    public static ReadOnlySpan<byte> LoneSurrogate => LoneSurrogateEscape;

    /// <summary>What the encoder writes for one ASCII character.</summary>
    public static ReadOnlySpan<byte> ForAscii(byte c) => Ascii[c];
}

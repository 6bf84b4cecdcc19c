using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OtlpBroadcast.Configuration;

/// <summary>
/// Strict RFC 3986 percent-decoding. <see cref="Uri.UnescapeDataString(string)"/> silently keeps malformed
/// escapes, which would send a header value other than the one the user meant; here they are rejected.
/// </summary>
internal static class PercentDecoding
{
    private static readonly UTF8Encoding StrictUtf8 =
        new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes <c>%XX</c> escapes as UTF-8 bytes. <c>+</c> stays a plus sign: the OpenTelemetry lists follow
    /// the W3C Baggage encoding, not HTML form encoding.
    /// </summary>
    public static bool TryDecode(string text, [NotNullWhen(true)] out string? decoded)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            decoded = text;
            return true;
        }

        decoded = null;
        try
        {
            byte[] source = StrictUtf8.GetBytes(text);
            // Decoding only ever shrinks the byte count, so the source length is a safe upper bound.
            byte[] target = new byte[source.Length];
            int written = 0;
            for (int i = 0; i < source.Length; i++)
            {
                if (source[i] != (byte)'%')
                {
                    target[written++] = source[i];
                    continue;
                }

                if (i + 2 >= source.Length)
                {
                    return false;
                }

                int high = HexValue(source[i + 1]);
                int low = HexValue(source[i + 2]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                target[written++] = (byte)((high << 4) | low);
                i += 2;
            }

            decoded = StrictUtf8.GetString(target, 0, written);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}

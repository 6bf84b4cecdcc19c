using System.Globalization;
using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>Reads OTLP JSON scalars with the encoding rules of the OTLP/HTTP JSON mapping.</summary>
internal static class ScalarReader
{
    public static string ReadString(JsonElement element, string path)
    {
        DecodeContext.Expect(element, JsonValueKind.String, path, "a string");
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new OtlpDecodeException(path, "string is not valid UTF-8 (or holds an unpaired surrogate)");
        }
    }

    /// <summary>Reads a string whose empty value means "absent".</summary>
    public static string? ReadOptionalString(JsonElement element, string path)
    {
        var text = ReadString(element, path);
        return text.Length == 0 ? null : text;
    }

    public static bool ReadBool(JsonElement element, string path)
        => element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new OtlpDecodeException(path, $"expected true or false, found {DecodeContext.Describe(element)}"),
        };

    /// <summary>32-bit fields (<c>flags</c>, <c>dropped*Count</c>) are plain JSON numbers.</summary>
    public static uint ReadUInt32(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetUInt32(out var value))
        {
            throw new OtlpDecodeException(path, $"expected an unsigned 32-bit integer number, found {DecodeContext.Describe(element)}");
        }

        return value;
    }

    /// <summary>Enums (<c>kind</c>, <c>status.code</c>) are integers; real receivers reject their names.</summary>
    public static int ReadEnum(JsonElement element, string path, int max, string what)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value) || value < 0 || value > max)
        {
            throw new OtlpDecodeException(path, $"expected an integer 0..{max} ({what}), found {DecodeContext.Describe(element)}");
        }

        return value;
    }

    /// <summary>
    /// 64-bit integers are decimal strings in OTLP JSON. Receivers accept numbers too, so only strict
    /// decoding refuses them: the exporter under test always writes strings.
    /// </summary>
    public static long ReadInt64(JsonElement element, string path, bool allowNegative, DecodeContext context)
    {
        long value = 0;
        if (element.ValueKind == JsonValueKind.String)
        {
            var text = ReadString(element, path);
            var parsed = context.Strict
                ? IsCanonicalDecimal(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
                : long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
            if (!parsed)
            {
                throw new OtlpDecodeException(path, $"expected a 64-bit integer as a decimal string, found {DecodeContext.Describe(element)}");
            }
        }
        else if (element.ValueKind == JsonValueKind.Number && !context.Strict)
        {
            if (!element.TryGetInt64(out value))
            {
                throw new OtlpDecodeException(path, $"expected a 64-bit integer, found {DecodeContext.Describe(element)}");
            }
        }
        else
        {
            throw new OtlpDecodeException(
                path,
                $"expected a 64-bit integer as a decimal string (strict decoding refuses JSON numbers), found {DecodeContext.Describe(element)}");
        }

        if (value < 0 && !allowNegative)
        {
            throw new OtlpDecodeException(path, $"expected a non-negative 64-bit integer, found {DecodeContext.Describe(element)}");
        }

        return value;
    }

    /// <summary><c>doubleValue</c> is a JSON number; a real receiver rejects strings, NaN and infinities.</summary>
    public static double ReadDouble(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw new OtlpDecodeException(path, $"expected a finite JSON number, found {DecodeContext.Describe(element)}");
        }

        return value;
    }

    /// <summary>
    /// <c>bytesValue</c> is base64. Strictly only the standard alphabet with padding is accepted (what
    /// the exporter writes); leniently also the URL-safe alphabet and missing padding, as proto3 JSON allows.
    /// </summary>
    public static byte[] ReadBytes(JsonElement element, string path, DecodeContext context)
    {
        var text = ReadString(element, path);
        if (!context.Strict || IsCanonicalBase64(text))
        {
            var normalised = context.Strict ? text : NormaliseBase64(text);
            var buffer = new byte[normalised.Length];
            if (Convert.TryFromBase64String(normalised, buffer, out var written))
            {
                return buffer.AsSpan(0, written).ToArray();
            }
        }

        throw new OtlpDecodeException(path, $"expected base64 (standard alphabet, padded), found {DecodeContext.Describe(element)}");
    }

    /// <summary>
    /// Ids are lowercase hex (never base64) and never all zero. Leniently upper case is accepted and
    /// lowered. Returns null for an empty optional id.
    /// </summary>
    public static string? ReadId(JsonElement element, string path, int hexLength, bool optional, DecodeContext context)
    {
        var text = ReadString(element, path);
        if (optional && text.Length == 0)
        {
            return null;
        }

        var id = context.Strict ? text : text.ToLowerInvariant();
        if (id.Length != hexLength || !id.All(char.IsAsciiHexDigitLower))
        {
            var hint = LooksLikeBase64Id(text, hexLength) ? " (this looks like base64; OTLP JSON ids are hex)" : "";
            throw new OtlpDecodeException(path, $"expected {hexLength} lowercase hex characters, found {DecodeContext.Describe(element)}{hint}");
        }

        if (id.All(c => c == '0'))
        {
            throw new OtlpDecodeException(path, "must not be all zeros (an invalid id)");
        }

        return id;
    }

    // What the exporter writes: optional minus, no plus, no leading zeros, no "-0", no spaces.
    private static bool IsCanonicalDecimal(string text)
    {
        var negative = text.StartsWith('-');
        var digits = negative ? text.AsSpan(1) : text.AsSpan();
        if (digits.Length == 0 || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        return digits[0] != '0' || (digits.Length == 1 && !negative);
    }

    private static bool IsCanonicalBase64(string text)
    {
        if (text.Length % 4 != 0)
        {
            return false;
        }

        var body = text.AsSpan().TrimEnd('=');
        if (text.Length - body.Length > 2)
        {
            return false;
        }

        foreach (var c in body)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/')
            {
                return false;
            }
        }

        return true;
    }

    private static string NormaliseBase64(string text)
    {
        var standard = text.Trim().Replace('-', '+').Replace('_', '/');
        return (standard.Length % 4) switch
        {
            2 => standard + "==",
            3 => standard + "=",
            _ => standard,
        };
    }

    private static bool LooksLikeBase64Id(string text, int hexLength)
    {
        var byteLength = hexLength / 2;
        var buffer = new byte[text.Length];
        return text.Length != hexLength
            && Convert.TryFromBase64String(text, buffer, out var written)
            && written == byteLength;
    }
}

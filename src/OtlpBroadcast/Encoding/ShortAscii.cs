namespace OtlpBroadcast;

/// <summary>
/// Short text (attribute values such as <c>"DEFAULT"</c> or <c>"openai"</c>, metadata keys) is nearly always ASCII:
/// a plain loop narrows it to UTF-8 faster than the call and set-up of the vectorised transcoder.
/// </summary>
internal static class ShortAscii
{
    /// <summary>Texts up to this length are worth trying with <see cref="TryNarrow"/> first.</summary>
    public const int MaxLength = 32;

    /// <summary>Writes each character as one byte while they are ASCII; false at the first that is not (the bytes
    /// written so far are then to be overwritten). <paramref name="destination"/> must hold at least
    /// <paramref name="source"/>'s length.</summary>
    public static bool TryNarrow(ReadOnlySpan<char> source, Span<byte> destination)
    {
        destination = destination[..source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            if (c > 0x7F)
            {
                return false;
            }

            destination[i] = (byte)c;
        }

        return true;
    }
}

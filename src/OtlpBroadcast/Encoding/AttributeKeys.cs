using System.Buffers;

namespace OtlpBroadcast;

/// <summary>Helpers for attribute keys that are only known at run time.</summary>
public static class AttributeKeys
{
    private const int StackLimit = 256;

    /// <summary>
    /// Writes <paramref name="value"/> under a key given as a .NET string (converted to UTF-8 on the stack;
    /// lone surrogates become U+FFFD).
    /// </summary>
    public static void Write<TSink>(ref TSink sink, string key, in AttributeValue value) where TSink : struct, IAttributeSink
    {
        ArgumentNullException.ThrowIfNull(key);
        Write(ref sink, ReadOnlySpan<byte>.Empty, key, in value);
    }

    /// <summary>
    /// Writes <paramref name="value"/> under the key <paramref name="utf8Prefix"/> followed by
    /// <paramref name="suffix"/>, e.g. <c>"trace.metadata."u8</c> and <c>environment</c>, without allocating.
    /// </summary>
    public static void Write<TSink>(ref TSink sink, ReadOnlySpan<byte> utf8Prefix, ReadOnlySpan<char> suffix, in AttributeValue value)
        where TSink : struct, IAttributeSink
    {
        int max = utf8Prefix.Length + System.Text.Encoding.UTF8.GetMaxByteCount(suffix.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            utf8Prefix.CopyTo(buffer);
            int length = utf8Prefix.Length + System.Text.Encoding.UTF8.GetBytes(suffix, buffer[utf8Prefix.Length..]);
            sink.Write(buffer[..length], in value);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Writes a value of a scalar kind (string, boolean, integer, double) through the sink's typed overload, so that
    /// it takes the same path as a typed call; <see cref="AttributeValueKind.None"/> writes nothing. Returns
    /// <see langword="false"/>, writing nothing, for the other kinds (bytes, arrays, key-value lists).
    /// </summary>
    internal static bool TryWriteScalar<TSink>(ref TSink sink, ReadOnlySpan<byte> key, in AttributeValue value)
        where TSink : struct, IAttributeSink
    {
        switch (value.Kind)
        {
            case AttributeValueKind.None:
                return true;
            case AttributeValueKind.String:
                sink.Write(key, value.StringValue);
                return true;
            case AttributeValueKind.Bool:
                sink.Write(key, value.BoolValue);
                return true;
            case AttributeValueKind.Int:
                sink.Write(key, value.IntValue);
                return true;
            case AttributeValueKind.Double:
                sink.Write(key, value.DoubleValue);
                return true;
            default:
                return false;
        }
    }
}

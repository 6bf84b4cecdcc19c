using System.Buffers;
using System.Buffers.Binary;

namespace OtlpBroadcast;

/// <summary>
/// The one rule that turns any caller-supplied string into a trace or span id. It is part of the SDK's
/// compatibility contract: the same string yields the same id in every process and every version.
/// <list type="number">
/// <item>A string of exactly 32 (trace) or 16 (span) hexadecimal characters, in either case, that is not all
/// zeros is the id itself (read as hex, so its lowercase form is what goes on the wire).</item>
/// <item>Any other string, including the empty string, becomes the first 16 (trace) or 8 (span) bytes of the
/// SHA-256 hash of its UTF-8 bytes (lone surrogates encoded as U+FFFD).</item>
/// </list>
/// A hash that happens to be all zeros (probability 2^-64 or less) has its last byte set to 1 so the id stays valid.
/// </summary>
internal static class IdDerivation
{
    private const int StackLimit = 512;

    /// <summary>Parses exactly <paramref name="destination"/>.Length * 2 hex characters; false for all zeros.</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        if (hex.Length != destination.Length * 2)
        {
            return false;
        }

        if (Convert.FromHexString(hex, destination, out _, out int written) != OperationStatus.Done || written != destination.Length)
        {
            return false;
        }

        return destination.ContainsAnyExcept((byte)0);
    }

    public static void Derive(ReadOnlySpan<char> value, Span<byte> destination)
    {
        if (TryParseHex(value, destination))
        {
            return;
        }

        int maxBytes = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        Span<byte> utf8 = maxBytes <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            int length = System.Text.Encoding.UTF8.GetBytes(value, utf8);
            ReadOnlySpan<byte> hash = LastHash.Of(utf8[..length]);
            hash[..destination.Length].CopyTo(destination);
            if (!destination.ContainsAnyExcept((byte)0))
            {
                destination[^1] = 1;
            }
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
    /// The last string this thread hashed, with its hash: a <c>trace_id</c> exists to group many requests, so the same
    /// one usually comes again, and comparing a few dozen bytes costs a fraction of hashing them (the hash was about 5%
    /// of the SDK's CPU per span end to end). Per thread, so there is nothing to lock; strings longer than
    /// <see cref="MaxLength"/> bytes are hashed every time. The buffers are made once per thread.
    /// </summary>
    private sealed class LastHash
    {
        private const int MaxLength = 128;

        [ThreadStatic]
        private static LastHash? t_last;

        private readonly byte[] _input = new byte[MaxLength];
        private readonly byte[] _hash = new byte[Sha256.HashSizeInBytes];
        private int _length = -1;

        public static ReadOnlySpan<byte> Of(ReadOnlySpan<byte> utf8)
        {
            LastHash last = t_last ??= new LastHash();
            if (utf8.Length == last._length && utf8.SequenceEqual(last._input.AsSpan(0, last._length)))
            {
                return last._hash;
            }

            last._length = -1;
            Sha256.HashData(utf8, last._hash);
            if (utf8.Length <= MaxLength)
            {
                utf8.CopyTo(last._input);
                last._length = utf8.Length;
            }

            return last._hash;
        }
    }

    public static void FillRandom(Span<byte> destination)
    {
        do
        {
            Random.Shared.NextBytes(destination);
        }
        while (!destination.ContainsAnyExcept((byte)0));
    }

    public static ulong ReadUInt64(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt64BigEndian(bytes);

    public static void WriteUInt64(Span<byte> bytes, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
}

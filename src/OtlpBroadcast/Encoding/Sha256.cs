using System.Buffers.Binary;
using System.Numerics;

namespace OtlpBroadcast;

/// <summary>
/// SHA-256 (FIPS 180-4, section 6.2) of a short message, computed in managed code for <see cref="IdDerivation"/>:
/// turning a caller's <c>trace_id</c> into a trace id hashes a few dozen bytes once per request, and on Linux
/// <c>SHA256.HashData</c> goes through OpenSSL, whose per-call context set-up and error-queue clearing cost about
/// 1.5–2x the hash itself at that size (450–700 ns against about 300 ns here, measured on the benchmark machine).
/// Not a security function here: the digest only spreads strings over the id space, and tests hold it to the
/// platform's implementation byte for byte.
/// </summary>
internal static class Sha256
{
    public const int HashSizeInBytes = 32;

    private const int BlockSize = 64;

    /// <summary>The round constants: the first 32 bits of the fractional parts of the cube roots of the first 64
    /// primes (FIPS 180-4, 4.2.2).</summary>
    private static ReadOnlySpan<uint> RoundConstants =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>Writes the 32-byte digest of <paramref name="message"/> to <paramref name="destination"/>.</summary>
    public static void HashData(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        if (destination.Length < HashSizeInBytes)
        {
            throw new ArgumentException("The destination is shorter than a SHA-256 digest.", nameof(destination));
        }

        // The initial hash value: the first 32 bits of the fractional parts of the square roots of the first 8
        // primes (FIPS 180-4, 5.3.3).
        State state = new()
        {
            A = 0x6a09e667, B = 0xbb67ae85, C = 0x3c6ef372, D = 0xa54ff53a,
            E = 0x510e527f, F = 0x9b05688c, G = 0x1f83d9ab, H = 0x5be0cd19,
        };
        Span<uint> schedule = stackalloc uint[64];

        int whole = message.Length / BlockSize * BlockSize;
        for (int offset = 0; offset < whole; offset += BlockSize)
        {
            Compress(ref state, message.Slice(offset, BlockSize), schedule);
        }

        // Padding (5.1.1): the rest of the message, a 1 bit, zeros, and the message length in bits as a 64-bit
        // big-endian number at the end of the last block; one block more when the rest leaves no room for it.
        Span<byte> last = stackalloc byte[BlockSize * 2];
        last.Clear();
        ReadOnlySpan<byte> rest = message[whole..];
        rest.CopyTo(last);
        last[rest.Length] = 0x80;
        int tail = rest.Length + 1 + sizeof(ulong) <= BlockSize ? BlockSize : BlockSize * 2;
        BinaryPrimitives.WriteUInt64BigEndian(last[(tail - sizeof(ulong))..], (ulong)message.Length * 8);
        for (int offset = 0; offset < tail; offset += BlockSize)
        {
            Compress(ref state, last.Slice(offset, BlockSize), schedule);
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, state.A);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], state.B);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], state.C);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], state.D);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], state.E);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], state.F);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], state.G);
        BinaryPrimitives.WriteUInt32BigEndian(destination[28..], state.H);
    }

    /// <summary>One block of the hash computation (6.2.2).</summary>
    private static void Compress(ref State state, ReadOnlySpan<byte> block, Span<uint> w)
    {
        ReadOnlySpan<uint> k = RoundConstants;
        w = w[..64];
        for (int t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        }

        for (int t = 16; t < 64; t++)
        {
            uint s0 = BitOperations.RotateRight(w[t - 15], 7) ^ BitOperations.RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint s1 = BitOperations.RotateRight(w[t - 2], 17) ^ BitOperations.RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        uint a = state.A, b = state.B, c = state.C, d = state.D, e = state.E, f = state.F, g = state.G, h = state.H;
        for (int t = 0; t < 64; t++)
        {
            uint sum1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
            uint choose = (e & f) ^ (~e & g);
            uint t1 = h + sum1 + choose + k[t] + w[t];
            uint sum0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
            uint majority = (a & b) ^ (a & c) ^ (b & c);
            uint t2 = sum0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        state.A += a;
        state.B += b;
        state.C += c;
        state.D += d;
        state.E += e;
        state.F += f;
        state.G += g;
        state.H += h;
    }

    private struct State
    {
        public uint A;
        public uint B;
        public uint C;
        public uint D;
        public uint E;
        public uint F;
        public uint G;
        public uint H;
    }
}

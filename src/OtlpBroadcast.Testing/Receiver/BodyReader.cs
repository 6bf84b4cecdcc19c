using System.Buffers;
using System.IO.Compression;

namespace OtlpBroadcast.Testing;

/// <summary>Reads and gunzips request bodies without holding more than the configured limit.</summary>
internal static class BodyReader
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>
    /// Reads the whole body, keeping at most <paramref name="limit"/> bytes. The rest is still read, so that
    /// the client receives the 413 instead of a reset while it is still sending.
    /// </summary>
    public static async Task<(byte[] Body, bool TooLarge)> ReadAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var kept = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                var keep = (int)Math.Clamp(limit - total, 0, read);
                kept.Write(chunk, 0, keep);
                total += read;
            }

            return (kept.ToArray(), total > limit);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Gunzips, stopping at <paramref name="limit"/> bytes so that a small bomb cannot fill memory.</summary>
    /// <exception cref="InvalidDataException">The body is not valid gzip.</exception>
    public static (byte[] Body, bool TooLarge) Gunzip(byte[] compressed, long limit)
    {
        using var input = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = input.Read(chunk, 0, ChunkSize)) > 0)
            {
                if (output.Length + read > limit)
                {
                    return ([], true);
                }

                output.Write(chunk, 0, read);
            }

            return (output.ToArray(), false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}

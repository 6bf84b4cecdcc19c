using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// How the transport reads an answer's body (one per batch sent): every byte in order whatever the sizes the stream
/// hands out, nothing over the 4 MiB limit, and an empty or short answer without a 16 KiB buffer per read. Allocation
/// is counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/> (a <see cref="MemoryStream"/> completes each read
/// at once, so the whole read runs on this thread).
/// </summary>
public class ResponseReadingTests
{
    private const int Chunk = 16 * 1024;

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 1_000)]
    [InlineData(Chunk - 1, 7_000)]
    [InlineData(Chunk, 7_000)]
    [InlineData(Chunk, Chunk)]
    [InlineData(Chunk + 1, Chunk)]
    [InlineData((3 * Chunk) + 5, 4_099)]
    [InlineData(OtlpHttpTransport.MaxResponseBytes, 65_536)]
    public async Task EveryByteComesBackInOrderWhateverTheReadSizes(int length, int largestRead)
    {
        byte[] body = Pattern(length);

        byte[]? read = await OtlpHttpTransport.ReadCappedAsync(new TrickleStream(body, largestRead), CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(body.Length, read.Length);
        Assert.True(body.AsSpan().SequenceEqual(read), "the bytes read differ from the body");
    }

    [Theory]
    [InlineData(65_536)]
    [InlineData(1_000)]
    public async Task OneByteOverTheLimitIsNotRead(int largestRead)
    {
        byte[]? read = await OtlpHttpTransport.ReadCappedAsync(
            new TrickleStream(Pattern(OtlpHttpTransport.MaxResponseBytes + 1), largestRead), CancellationToken.None);

        Assert.Null(read);
    }

    [Theory]
    [InlineData(0, 200)]
    [InlineData(2, 200)]
    [InlineData(300, 600)]
    public async Task AShortAnswerAllocatesLittleMoreThanItsBytes(int length, int allowed)
    {
        byte[] body = Pattern(length);
        var stream = new MemoryStream(body, writable: false);
        for (int i = 0; i < 3; i++)
        {
            stream.Position = 0;
            _ = await OtlpHttpTransport.ReadCappedAsync(stream, CancellationToken.None);
        }

        stream.Position = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Task<byte[]?> reading = OtlpHttpTransport.ReadCappedAsync(stream, CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(reading.IsCompletedSuccessfully, "a memory stream's read should complete at once");
        Assert.Equal(length, (await reading)!.Length);
        Assert.True(allocated <= allowed, $"{allocated} bytes allocated to read {length} bytes (at most {allowed} expected)");
    }

    private static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 31) + (i >> 8));
        }

        return bytes;
    }

    /// <summary>Hands out its bytes in reads of varying sizes up to <c>largestRead</c>, as a socket does.</summary>
    private sealed class TrickleStream(byte[] bytes, int largestRead) : Stream
    {
        private int _position;
        private int _reads;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // Sizes cycle through the largest, a third of it and one byte, never more than asked for.
            int size = (_reads++ % 3) switch { 0 => largestRead, 1 => Math.Max(1, largestRead / 3), _ => 1 };
            int n = Math.Min(Math.Min(size, buffer.Length), bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

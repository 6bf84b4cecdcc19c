using System.Security.Cryptography;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>The managed SHA-256 behind id derivation, held to the published test vectors and to the platform's
/// implementation at every length around the padding's block boundaries.</summary>
public class Sha256Tests
{
    private static string Hex(ReadOnlySpan<byte> message)
    {
        Span<byte> digest = stackalloc byte[Sha256.HashSizeInBytes];
        Sha256.HashData(message, digest);
        return Convert.ToHexStringLower(digest);
    }

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void GivesThePublishedDigests(string message, string expected)
        => Assert.Equal(expected, Hex(System.Text.Encoding.ASCII.GetBytes(message)));

    [Fact]
    public void MatchesThePlatformAtEveryLengthUpToFiveBlocks()
    {
        var random = new Random(20261128);
        for (int length = 0; length <= 5 * 64 + 1; length++)
        {
            byte[] message = new byte[length];
            random.NextBytes(message);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(message)), Hex(message));
        }
    }

    [Fact]
    public void MatchesThePlatformOnALongMessage()
    {
        byte[] message = new byte[100_003];
        new Random(7).NextBytes(message);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(message)), Hex(message));
    }

    [Fact]
    public void RefusesADestinationShorterThanADigest()
    {
        var error = Assert.Throws<ArgumentException>(() => Sha256.HashData("abc"u8, new byte[31]));
        Assert.Contains("shorter than a SHA-256 digest", error.Message);
    }
}

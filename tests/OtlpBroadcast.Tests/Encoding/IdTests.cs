using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace OtlpBroadcast.Tests.OtlpEncoding;

public partial class IdTests
{
    private const int Draws = 10_000;

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex TraceHex();

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex SpanHex();

    /// <summary>The rule, computed here independently of IdDerivation: SHA-256 of the UTF-8 bytes, first bytes, lowercase hex.</summary>
    private static string HashPrefixHex(string value, int byteCount)
        => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)).AsSpan(0, byteCount));

    private static string HashPrefixHex(byte[] utf8, int byteCount)
        => Convert.ToHexStringLower(SHA256.HashData(utf8).AsSpan(0, byteCount));

    // ---- random ids ----

    [Fact]
    public void RandomTraceIdsAreValidLowercaseHexAndDistinct()
    {
        var all = new HashSet<TraceId>();
        var highHalves = new HashSet<string>(StringComparer.Ordinal);
        var lowHalves = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Draws; i++)
        {
            TraceId id = TraceId.CreateRandom();
            Assert.True(id.IsValid);
            string hex = id.ToString();
            Assert.Matches(TraceHex(), hex);
            Assert.True(all.Add(id), "Repeated trace id " + hex);
            highHalves.Add(hex[..16]);
            lowHalves.Add(hex[16..]);
        }

        // Both halves must be random, not only the id as a whole.
        Assert.Equal(Draws, highHalves.Count);
        Assert.Equal(Draws, lowHalves.Count);
    }

    [Fact]
    public void RandomSpanIdsAreValidLowercaseHexAndDistinct()
    {
        var all = new HashSet<SpanId>();
        var strings = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Draws; i++)
        {
            SpanId id = SpanId.CreateRandom();
            Assert.True(id.IsValid);
            string hex = id.ToString();
            Assert.Matches(SpanHex(), hex);
            Assert.True(all.Add(id), "Repeated span id " + hex);
            strings.Add(hex);
        }

        Assert.Equal(Draws, strings.Count);
    }

    // ---- formatting ----

    [Fact]
    public void TraceIdFormatsItsBytesBigEndianAsLowercaseHex()
    {
        byte[] bytes = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10];
        TraceId id = TraceId.FromBytes(bytes);

        Assert.Equal("0123456789abcdeffedcba9876543210", id.ToString());
        Assert.Equal(id.ToString(), id.ToString(null, null));
        Assert.Equal(id.ToString(), $"{id}");

        byte[] copy = new byte[TraceId.ByteLength];
        id.CopyTo(copy);
        Assert.Equal(bytes, copy);
    }

    [Fact]
    public void SpanIdFormatsItsBytesBigEndianAsLowercaseHex()
    {
        byte[] bytes = [0xA0, 0xB1, 0xC2, 0xD3, 0xE4, 0xF5, 0x06, 0x17];
        SpanId id = SpanId.FromBytes(bytes);

        Assert.Equal("a0b1c2d3e4f50617", id.ToString());
        Assert.Equal(id.ToString(), id.ToString(null, null));
        Assert.Equal(id.ToString(), $"{id}");

        byte[] copy = new byte[SpanId.ByteLength];
        id.CopyTo(copy);
        Assert.Equal(bytes, copy);
    }

    [Fact]
    public void DefaultIdsAreInvalidAndFormatAsZeros()
    {
        Assert.False(default(TraceId).IsValid);
        Assert.False(default(SpanId).IsValid);
        Assert.Equal(new string('0', 32), default(TraceId).ToString());
        Assert.Equal(new string('0', 16), default(SpanId).ToString());
    }

    [Fact]
    public void TraceIdTryFormatWritesUtf8AndCharsAndRefusesShortBuffers()
    {
        TraceId id = TraceId.Parse("ABCDEF0123456789abcdef0123456789");

        Span<byte> utf8 = stackalloc byte[40];
        Assert.True(id.TryFormat(utf8, out int bytesWritten));
        Assert.Equal(TraceId.HexLength, bytesWritten);
        Assert.Equal("abcdef0123456789abcdef0123456789"u8.ToArray(), utf8[..bytesWritten].ToArray());

        Span<char> chars = stackalloc char[40];
        Assert.True(id.TryFormat(chars, out int charsWritten));
        Assert.Equal("abcdef0123456789abcdef0123456789", chars[..charsWritten].ToString());

        Assert.False(id.TryFormat(stackalloc byte[TraceId.HexLength - 1], out _));
        Assert.False(id.TryFormat(stackalloc char[TraceId.HexLength - 1], out _));
    }

    [Fact]
    public void SpanIdTryFormatWritesUtf8AndCharsAndRefusesShortBuffers()
    {
        SpanId id = SpanId.Parse("ABCDEF0123456789");

        Span<byte> utf8 = stackalloc byte[20];
        Assert.True(id.TryFormat(utf8, out int bytesWritten));
        Assert.Equal(SpanId.HexLength, bytesWritten);
        Assert.Equal("abcdef0123456789"u8.ToArray(), utf8[..bytesWritten].ToArray());

        Span<char> chars = stackalloc char[20];
        Assert.True(id.TryFormat(chars, out int charsWritten));
        Assert.Equal("abcdef0123456789", chars[..charsWritten].ToString());

        Assert.False(id.TryFormat(stackalloc byte[SpanId.HexLength - 1], out _));
        Assert.False(id.TryFormat(stackalloc char[SpanId.HexLength - 1], out _));
    }

    // ---- parsing ----

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdef")]
    [InlineData("aBcDeF00000000000000000000000001", "abcdef00000000000000000000000001")]
    [InlineData("00000000000000000000000000000001", "00000000000000000000000000000001")]
    public void TraceIdTryParseAcceptsEitherCase(string input, string expected)
    {
        Assert.True(TraceId.TryParse(input, out TraceId id));
        Assert.True(id.IsValid);
        Assert.Equal(expected, id.ToString());
        Assert.Equal(id, TraceId.Parse(input));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcde")] // 31
    [InlineData("0123456789abcdef0123456789abcdef0")] // 33
    [InlineData("0123456789abcdef0123456789abcdeg")] // non-hex
    [InlineData("0123456789abcdef 123456789abcdef")] // space
    [InlineData("0x23456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef-0123456789abcde")]
    [InlineData("00000000000000000000000000000000")] // all zeros
    [InlineData("0123456789abcdef")] // a span id
    public void TraceIdTryParseRejects(string input)
    {
        Assert.False(TraceId.TryParse(input, out TraceId id));
        Assert.Equal(default, id);
        Assert.Throws<FormatException>(() => TraceId.Parse(input));
    }

    [Theory]
    [InlineData("0123456789abcdef", "0123456789abcdef")]
    [InlineData("0123456789ABCDEF", "0123456789abcdef")]
    [InlineData("0000000000000001", "0000000000000001")]
    public void SpanIdTryParseAcceptsEitherCase(string input, string expected)
    {
        Assert.True(SpanId.TryParse(input, out SpanId id));
        Assert.True(id.IsValid);
        Assert.Equal(expected, id.ToString());
        Assert.Equal(id, SpanId.Parse(input));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0123456789abcde")] // 15
    [InlineData("0123456789abcdef0")] // 17
    [InlineData("0123456789abcdeZ")]
    [InlineData("\u0660123456789abcdef")] // Arabic-Indic digit zero
    [InlineData("0000000000000000")]
    [InlineData("0123456789abcdef0123456789abcdef")] // a trace id
    public void SpanIdTryParseRejects(string input)
    {
        Assert.False(SpanId.TryParse(input, out SpanId id));
        Assert.Equal(default, id);
        Assert.Throws<FormatException>(() => SpanId.Parse(input));
    }

    [Fact]
    public void RandomIdsRoundTripThroughTheirText()
    {
        for (int i = 0; i < 100; i++)
        {
            TraceId traceId = TraceId.CreateRandom();
            SpanId spanId = SpanId.CreateRandom();
            Assert.Equal(traceId, TraceId.Parse(traceId.ToString()));
            Assert.Equal(traceId, TraceId.Parse(traceId.ToString().ToUpperInvariant()));
            Assert.Equal(spanId, SpanId.Parse(spanId.ToString()));
            Assert.Equal(spanId, SpanId.Parse(spanId.ToString().ToUpperInvariant()));
        }
    }

    // ---- FromString: the documented derivation rule ----

    [Theory]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("4BF92F3577B34DA6A3CE929D0E0E4736", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("4Bf92F3577b34Da6a3cE929d0e0E4736", "4bf92f3577b34da6a3ce929d0e0e4736")]
    public void TraceIdFromStringUsesThirtyTwoHexCharactersAsTheyAreLowercased(string input, string expected)
        => Assert.Equal(expected, TraceId.FromString(input).ToString());

    [Theory]
    [InlineData("00f067aa0ba902b7", "00f067aa0ba902b7")]
    [InlineData("00F067AA0BA902B7", "00f067aa0ba902b7")]
    public void SpanIdFromStringUsesSixteenHexCharactersAsTheyAreLowercased(string input, string expected)
        => Assert.Equal(expected, SpanId.FromString(input).ToString());

    /// <summary>Golden values pinned across versions: computed once with <c>printf '%s' ... | sha256sum</c>.</summary>
    [Theory]
    [InlineData("app_trace_001", "522cf1e8476223c9f6ae5d9d0f41c52e")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb924")]
    public void TraceIdFromStringHashesOtherStringsGolden(string input, string expected)
        => Assert.Equal(expected, TraceId.FromString(input).ToString());

    /// <summary>Golden values pinned across versions: computed once with <c>printf '%s' ... | sha256sum</c>.</summary>
    [Theory]
    [InlineData("app_trace_001", "522cf1e8476223c9")]
    [InlineData("app_span_001", "46c8f3f498271b58")]
    [InlineData("", "e3b0c44298fc1c14")]
    public void SpanIdFromStringHashesOtherStringsGolden(string input, string expected)
        => Assert.Equal(expected, SpanId.FromString(input).ToString());

    [Theory]
    [InlineData("app_trace_001")]
    [InlineData("chatcmpl-9x8Yz")]
    [InlineData("0123456789abcdef0123456789abcde")] // 31 hex characters
    [InlineData("0123456789abcdef0123456789abcdef0")] // 33 hex characters
    [InlineData("0123456789abcdef")] // a span id is not a trace id
    [InlineData("0123456789abcdef0123456789abcdeg")] // 32 characters, one not hex
    [InlineData(" 0123456789abcdef0123456789abcdef")]
    [InlineData("Zoë – 東京 🚀")]
    public void TraceIdFromStringHashesEverythingElse(string input)
    {
        TraceId id = TraceId.FromString(input);
        Assert.True(id.IsValid);
        Assert.Equal(HashPrefixHex(input, TraceId.ByteLength), id.ToString());
    }

    [Theory]
    [InlineData("app_span_001")]
    [InlineData("0123456789abcde")]
    [InlineData("0123456789abcdef0")]
    [InlineData("0123456789abcdef0123456789abcdef")] // a trace id is not a span id
    [InlineData("Zoë – 東京 🚀")]
    public void SpanIdFromStringHashesEverythingElse(string input)
    {
        SpanId id = SpanId.FromString(input);
        Assert.True(id.IsValid);
        Assert.Equal(HashPrefixHex(input, SpanId.ByteLength), id.ToString());
    }

    [Fact]
    public void AllZeroHexIsHashedNotUsed()
    {
        string zeros32 = new('0', 32);
        string zeros16 = new('0', 16);

        TraceId traceId = TraceId.FromString(zeros32);
        SpanId spanId = SpanId.FromString(zeros16);

        Assert.True(traceId.IsValid);
        Assert.True(spanId.IsValid);
        Assert.Equal(HashPrefixHex(zeros32, TraceId.ByteLength), traceId.ToString());
        Assert.Equal(HashPrefixHex(zeros16, SpanId.ByteLength), spanId.ToString());
    }

    [Fact]
    public void FromStringIsDeterministicAndDistinguishesInputs()
    {
        Assert.Equal(TraceId.FromString("request-1"), TraceId.FromString("request-1"));
        Assert.NotEqual(TraceId.FromString("request-1"), TraceId.FromString("request-2"));
        Assert.NotEqual(TraceId.FromString("Request-1"), TraceId.FromString("request-1"));
        Assert.Equal(SpanId.FromString("request-1"), SpanId.FromString("request-1"));
        Assert.NotEqual(SpanId.FromString("request-1"), SpanId.FromString("request-2"));
    }

    [Fact]
    public void EachDerivationGivesItsOwnStringsHashWhateverCameBefore()
    {
        // A thread remembers the last string it hashed: strings of the same length, the same string again, a trace id
        // and a span id of one string, strings too long to remember and the empty string, in an order that would show
        // a remembered hash given to the wrong string.
        string longer = new('x', 200);
        string[] sequence = ["abc1", "abc2", "abc2", "abc1", "", "abc1", longer, longer + "y", longer, "abc1", "東京", "東京"];
        foreach (string value in sequence)
        {
            Assert.Equal(HashPrefixHex(value, TraceId.ByteLength), TraceId.FromString(value).ToString());
            Assert.Equal(HashPrefixHex(value, SpanId.ByteLength), SpanId.FromString(value).ToString());
        }

        for (int i = sequence.Length - 1; i >= 0; i--)
        {
            Assert.Equal(HashPrefixHex(sequence[i], SpanId.ByteLength), SpanId.FromString(sequence[i]).ToString());
        }
    }

    [Fact]
    public void FromStringHashesLongStringsLikeShortOnes()
    {
        // Long enough that the UTF-8 bytes no longer fit the stack buffer (a rented array is used instead).
        string longAscii = string.Concat(Enumerable.Repeat("trace-", 500));
        string longNonAscii = string.Concat(Enumerable.Repeat("東京🚀", 300));

        Assert.Equal(HashPrefixHex(longAscii, TraceId.ByteLength), TraceId.FromString(longAscii).ToString());
        Assert.Equal(HashPrefixHex(longNonAscii, TraceId.ByteLength), TraceId.FromString(longNonAscii).ToString());
        Assert.Equal(HashPrefixHex(longNonAscii, SpanId.ByteLength), SpanId.FromString(longNonAscii).ToString());
    }

    /// <summary>Inputs with lone surrogates live here rather than in InlineData: xunit serialises theory data as
    /// UTF-8, which would replace the surrogate before the test ever saw it.</summary>
    private static readonly (string Input, byte[] ExpectedUtf8)[] LoneSurrogateCases =
    [
        ("a\uD800b", [0x61, 0xEF, 0xBF, 0xBD, 0x62]),
        ("\uDC00", [0xEF, 0xBF, 0xBD]),
        ("end\uD83D", [0x65, 0x6E, 0x64, 0xEF, 0xBF, 0xBD]),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void FromStringHashesLoneSurrogatesAsReplacementCharacter(int index)
    {
        (string input, byte[] expectedUtf8) = LoneSurrogateCases[index];
        Assert.False(input.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.Equal(HashPrefixHex(expectedUtf8, TraceId.ByteLength), TraceId.FromString(input).ToString());
        Assert.Equal(HashPrefixHex(expectedUtf8, SpanId.ByteLength), SpanId.FromString(input).ToString());
    }

    // ---- FromBytes ----

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void TraceIdFromBytesRejectsWrongLength(int length)
    {
        byte[] bytes = Enumerable.Repeat((byte)0x11, length).ToArray();
        ArgumentException error = Assert.Throws<ArgumentException>(() => TraceId.FromBytes(bytes));
        Assert.Equal("bytes", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(16)]
    public void SpanIdFromBytesRejectsWrongLength(int length)
    {
        byte[] bytes = Enumerable.Repeat((byte)0x11, length).ToArray();
        ArgumentException error = Assert.Throws<ArgumentException>(() => SpanId.FromBytes(bytes));
        Assert.Equal("bytes", error.ParamName);
    }

    [Fact]
    public void FromBytesRejectsAllZeros()
    {
        Assert.Equal("bytes", Assert.Throws<ArgumentException>(() => TraceId.FromBytes(new byte[16])).ParamName);
        Assert.Equal("bytes", Assert.Throws<ArgumentException>(() => SpanId.FromBytes(new byte[8])).ParamName);
    }

    [Fact]
    public void FromBytesAcceptsAnIdWithOneNonZeroByteInEitherHalf()
    {
        byte[] lowOnly = new byte[16];
        lowOnly[15] = 1;
        byte[] highOnly = new byte[16];
        highOnly[0] = 0x80;

        Assert.Equal("00000000000000000000000000000001", TraceId.FromBytes(lowOnly).ToString());
        Assert.Equal("80000000000000000000000000000000", TraceId.FromBytes(highOnly).ToString());
        Assert.Equal("0000000000000001", SpanId.FromBytes(lowOnly.AsSpan(8)).ToString());
    }

    // ---- equality ----

    [Fact]
    public void TraceIdEqualityAndHashFollowTheBytes()
    {
        TraceId a = TraceId.Parse("0123456789abcdef0123456789abcdef");
        TraceId sameAsA = TraceId.Parse("0123456789ABCDEF0123456789ABCDEF");
        TraceId differentLow = TraceId.Parse("0123456789abcdef0123456789abcdee");
        TraceId differentHigh = TraceId.Parse("1123456789abcdef0123456789abcdef");

        Assert.True(a == sameAsA);
        Assert.False(a != sameAsA);
        Assert.True(a.Equals(sameAsA));
        Assert.True(a.Equals((object)sameAsA));
        Assert.Equal(a.GetHashCode(), sameAsA.GetHashCode());

        Assert.True(a != differentLow);
        Assert.True(a != differentHigh);
        Assert.False(a.Equals(differentLow));
        Assert.False(a.Equals((object)differentHigh));
        Assert.False(a.Equals((object)SpanId.Parse("0123456789abcdef")));
        Assert.False(a.Equals(null));
        Assert.NotEqual(a, default);
    }

    [Fact]
    public void SpanIdEqualityAndHashFollowTheBytes()
    {
        SpanId a = SpanId.Parse("0123456789abcdef");
        SpanId sameAsA = SpanId.Parse("0123456789ABCDEF");
        SpanId different = SpanId.Parse("0123456789abcdee");

        Assert.True(a == sameAsA);
        Assert.False(a != sameAsA);
        Assert.True(a.Equals((object)sameAsA));
        Assert.Equal(a.GetHashCode(), sameAsA.GetHashCode());

        Assert.True(a != different);
        Assert.False(a.Equals((object)different));
        Assert.False(a.Equals((object)"0123456789abcdef"));
        Assert.NotEqual(a, default);
    }
}

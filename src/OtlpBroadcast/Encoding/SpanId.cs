using System.Diagnostics.CodeAnalysis;

namespace OtlpBroadcast;

/// <summary>
/// An 8-byte OpenTelemetry span id. <see langword="default"/> is the invalid all-zero id, which stands for
/// "no parent" and is never written as an id. Formats as 16 lowercase hex characters.
/// </summary>
public readonly struct SpanId : IEquatable<SpanId>, ISpanFormattable, IUtf8SpanFormattable
{
    /// <summary>The number of bytes of a span id.</summary>
    public const int ByteLength = 8;

    /// <summary>The number of hex characters of a formatted span id.</summary>
    public const int HexLength = 16;

    private readonly ulong _value;

    private SpanId(ulong value) => _value = value;

    /// <summary>False for the all-zero id that OTLP forbids.</summary>
    public bool IsValid => _value != 0;

    /// <summary>A new random, valid id.</summary>
    public static SpanId CreateRandom()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        IdDerivation.FillRandom(bytes);
        return new SpanId(IdDerivation.ReadUInt64(bytes));
    }

    /// <summary>
    /// The id that a caller's string stands for: 16 hex characters that are not all zeros are used as they are
    /// (lowercased); any other string becomes the first 8 bytes of SHA-256 of its UTF-8 bytes.
    /// </summary>
    public static SpanId FromString(ReadOnlySpan<char> value)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        IdDerivation.Derive(value, bytes);
        return new SpanId(IdDerivation.ReadUInt64(bytes));
    }

    /// <summary>Creates an id from its 8 bytes; throws when the length is wrong or all bytes are zero.</summary>
    public static SpanId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength)
        {
            throw new ArgumentException($"A span id has {ByteLength} bytes, not {bytes.Length}.", nameof(bytes));
        }

        var id = new SpanId(IdDerivation.ReadUInt64(bytes));
        return id.IsValid ? id : throw new ArgumentException("A span id must not be all zeros.", nameof(bytes));
    }

    /// <summary>Parses exactly 16 hex characters (either case) that are not all zeros.</summary>
    public static bool TryParse(ReadOnlySpan<char> hex, out SpanId id)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        if (IdDerivation.TryParseHex(hex, bytes))
        {
            id = new SpanId(IdDerivation.ReadUInt64(bytes));
            return true;
        }

        id = default;
        return false;
    }

    /// <summary>Parses exactly 16 hex characters; throws <see cref="FormatException"/> otherwise.</summary>
    public static SpanId Parse(ReadOnlySpan<char> hex)
        => TryParse(hex, out SpanId id) ? id : throw new FormatException("A span id is 16 hex characters, not all zeros.");

    /// <summary>Writes the 8 bytes, big-endian, to <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => IdDerivation.WriteUInt64(destination, _value);

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        CopyTo(bytes);
        return Convert.TryToHexStringLower(bytes, destination, out charsWritten);
    }

    /// <inheritdoc/>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        CopyTo(bytes);
        return Convert.TryToHexStringLower(bytes, utf8Destination, out bytesWritten);
    }

    /// <summary>16 lowercase hex characters.</summary>
    public override string ToString() => string.Create(HexLength, this, static (chars, id) => id.TryFormat(chars, out _));

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool Equals(SpanId other) => _value == other._value;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is SpanId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>Equality of the 8 bytes.</summary>
    public static bool operator ==(SpanId left, SpanId right) => left.Equals(right);

    /// <summary>Inequality of the 8 bytes.</summary>
    public static bool operator !=(SpanId left, SpanId right) => !left.Equals(right);
}

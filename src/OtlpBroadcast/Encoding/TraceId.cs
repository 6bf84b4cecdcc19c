using System.Diagnostics.CodeAnalysis;

namespace OtlpBroadcast;

/// <summary>
/// A 16-byte OpenTelemetry trace id. <see langword="default"/> is the invalid all-zero id, which is never written
/// to the wire. Formats as 32 lowercase hex characters, as OTLP/JSON requires.
/// </summary>
public readonly struct TraceId : IEquatable<TraceId>, ISpanFormattable, IUtf8SpanFormattable
{
    /// <summary>The number of bytes of a trace id.</summary>
    public const int ByteLength = 16;

    /// <summary>The number of hex characters of a formatted trace id.</summary>
    public const int HexLength = 32;

    private readonly ulong _high;
    private readonly ulong _low;

    private TraceId(ReadOnlySpan<byte> bytes)
    {
        _high = IdDerivation.ReadUInt64(bytes);
        _low = IdDerivation.ReadUInt64(bytes[8..]);
    }

    /// <summary>False for the all-zero id that OTLP forbids.</summary>
    public bool IsValid => (_high | _low) != 0;

    /// <summary>A new random, valid id (unique with overwhelming probability; not a secret).</summary>
    public static TraceId CreateRandom()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        IdDerivation.FillRandom(bytes);
        return new TraceId(bytes);
    }

    /// <summary>
    /// The id that a caller's string stands for, by the documented rule: 32 hex characters that are not all zeros
    /// are used as they are (lowercased); any other string becomes the first 16 bytes of SHA-256 of its UTF-8 bytes.
    /// </summary>
    public static TraceId FromString(ReadOnlySpan<char> value)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        IdDerivation.Derive(value, bytes);
        return new TraceId(bytes);
    }

    /// <summary>Creates an id from its 16 bytes; throws when the length is wrong or all bytes are zero.</summary>
    public static TraceId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength)
        {
            throw new ArgumentException($"A trace id has {ByteLength} bytes, not {bytes.Length}.", nameof(bytes));
        }

        var id = new TraceId(bytes);
        return id.IsValid ? id : throw new ArgumentException("A trace id must not be all zeros.", nameof(bytes));
    }

    /// <summary>Parses exactly 32 hex characters (either case) that are not all zeros.</summary>
    public static bool TryParse(ReadOnlySpan<char> hex, out TraceId id)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        if (IdDerivation.TryParseHex(hex, bytes))
        {
            id = new TraceId(bytes);
            return true;
        }

        id = default;
        return false;
    }

    /// <summary>Parses exactly 32 hex characters; throws <see cref="FormatException"/> otherwise.</summary>
    public static TraceId Parse(ReadOnlySpan<char> hex)
        => TryParse(hex, out TraceId id) ? id : throw new FormatException("A trace id is 32 hex characters, not all zeros.");

    /// <summary>Writes the 16 bytes, big-endian, to <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        IdDerivation.WriteUInt64(destination, _high);
        IdDerivation.WriteUInt64(destination[8..], _low);
    }

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

    /// <summary>32 lowercase hex characters.</summary>
    public override string ToString() => string.Create(HexLength, this, static (chars, id) => id.TryFormat(chars, out _));

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool Equals(TraceId other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is TraceId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>Equality of the 16 bytes.</summary>
    public static bool operator ==(TraceId left, TraceId right) => left.Equals(right);

    /// <summary>Inequality of the 16 bytes.</summary>
    public static bool operator !=(TraceId left, TraceId right) => !left.Equals(right);
}

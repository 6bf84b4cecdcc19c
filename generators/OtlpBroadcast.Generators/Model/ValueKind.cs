namespace OtlpBroadcast.Generators.Model;

/// <summary>How one scalar value is written; several .NET types share a kind.</summary>
internal enum ValueKind
{
    String,
    Bool,

    /// <summary>Integers that fit in <c>long</c>: written as <c>intValue</c> after a widening cast.</summary>
    Int64,

    /// <summary><c>ulong</c>: <c>intValue</c> when it fits, else a decimal string.</summary>
    UInt64,

    /// <summary><c>float</c>: widened through its shortest text form so 0.7f stays 0.7.</summary>
    Single,
    Double,

    /// <summary><c>decimal</c>: converted to <c>double</c>.</summary>
    Decimal,
    Enum,
    Guid,
    DateTime,
    DateTimeOffset,

    /// <summary>Written as a double number of seconds.</summary>
    TimeSpan,
    JsonElement,
}

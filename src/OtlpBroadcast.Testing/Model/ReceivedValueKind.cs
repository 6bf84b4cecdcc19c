namespace OtlpBroadcast.Testing;

/// <summary>Which field of an OTLP <c>AnyValue</c> carried the value.</summary>
public enum ReceivedValueKind
{
    /// <summary><c>stringValue</c>.</summary>
    String,
    /// <summary><c>boolValue</c>.</summary>
    Bool,
    /// <summary><c>intValue</c> (64-bit).</summary>
    Int,
    /// <summary><c>doubleValue</c>.</summary>
    Double,
    /// <summary><c>bytesValue</c> (base64 on the wire).</summary>
    Bytes,
    /// <summary><c>arrayValue</c>.</summary>
    Array,
    /// <summary><c>kvlistValue</c>.</summary>
    KeyValueList,
}

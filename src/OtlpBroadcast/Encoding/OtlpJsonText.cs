namespace OtlpBroadcast;

/// <summary>
/// The constant pieces of OTLP/JSON <c>KeyValue</c> and <c>AnyValue</c> objects, from which the JSON sinks compose
/// attributes without writer calls (<see cref="OtlpJsonBufferSink"/>; the short-scalar path of
/// <see cref="OtlpJsonAttributeSink"/>).
/// </summary>
internal static class OtlpJsonText
{
    public static ReadOnlySpan<byte> KeyStart => "{\"key\":\""u8;

    // After the key: the value object opened, up to the value.
    public static ReadOnlySpan<byte> StringValue => "\",\"value\":{\"stringValue\":\""u8;

    public static ReadOnlySpan<byte> IntValue => "\",\"value\":{\"intValue\":\""u8;

    public static ReadOnlySpan<byte> DoubleValue => "\",\"value\":{\"doubleValue\":"u8;

    public static ReadOnlySpan<byte> BoolValue => "\",\"value\":{\"boolValue\":"u8;

    public static ReadOnlySpan<byte> BytesValue => "\",\"value\":{\"bytesValue\":\""u8;

    public static ReadOnlySpan<byte> ArrayStart => "\",\"value\":{\"arrayValue\":{\"values\":["u8;

    public static ReadOnlySpan<byte> KeyValueListStart => "\",\"value\":{\"kvlistValue\":{\"values\":["u8;

    public static ReadOnlySpan<byte> ValueStart => "\",\"value\":{"u8;

    // Closing a key-value: a quoted value's quote, the value object, the key-value object.
    public static ReadOnlySpan<byte> QuotedEnd => "\"}}"u8;

    public static ReadOnlySpan<byte> End => "}}"u8;

    public static ReadOnlySpan<byte> TrueEnd => "true}}"u8;

    public static ReadOnlySpan<byte> FalseEnd => "false}}"u8;

    // Closing an array or list attribute: the values, the arrayValue/kvlistValue object, value and key-value.
    public static ReadOnlySpan<byte> ListEnd => "]}}}"u8;

    // Array items: AnyValue objects.
    public static ReadOnlySpan<byte> ItemStringValue => "{\"stringValue\":\""u8;

    public static ReadOnlySpan<byte> ItemIntValue => "{\"intValue\":\""u8;

    public static ReadOnlySpan<byte> QuotedItemEnd => "\"}"u8;

    public static ReadOnlySpan<byte> ItemTrue => "{\"boolValue\":true}"u8;

    public static ReadOnlySpan<byte> ItemFalse => "{\"boolValue\":false}"u8;

    public static ReadOnlySpan<byte> EmptyStringValue => "\"stringValue\":\"\""u8;

    // AnyValue bodies (inside braces written by the caller).
    public static ReadOnlySpan<byte> StringValueName => "\"stringValue\":"u8;

    public static ReadOnlySpan<byte> IntValueName => "\"intValue\":\""u8;

    public static ReadOnlySpan<byte> DoubleValueName => "\"doubleValue\":"u8;

    public static ReadOnlySpan<byte> BytesValueName => "\"bytesValue\":\""u8;

    public static ReadOnlySpan<byte> TrueBody => "\"boolValue\":true"u8;

    public static ReadOnlySpan<byte> FalseBody => "\"boolValue\":false"u8;

    public static ReadOnlySpan<byte> ArrayBody => "\"arrayValue\":{\"values\":["u8;

    public static ReadOnlySpan<byte> KeyValueListBody => "\"kvlistValue\":{\"values\":["u8;

    public static ReadOnlySpan<byte> ListBodyEnd => "]}"u8;
}

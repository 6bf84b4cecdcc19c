using System.Text.Encodings.Web;
using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>The lowerCamelCase property names of OTLP/JSON, escaped once.</summary>
internal static class OtlpJsonNames
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        // Relaxed escaping keeps non-ASCII text readable and compact; the output is still valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    public static readonly JsonEncodedText Key = JsonEncodedText.Encode("key"u8);
    public static readonly JsonEncodedText Value = JsonEncodedText.Encode("value"u8);
    public static readonly JsonEncodedText Values = JsonEncodedText.Encode("values"u8);
    public static readonly JsonEncodedText StringValue = JsonEncodedText.Encode("stringValue"u8);
    public static readonly JsonEncodedText BoolValue = JsonEncodedText.Encode("boolValue"u8);
    public static readonly JsonEncodedText IntValue = JsonEncodedText.Encode("intValue"u8);
    public static readonly JsonEncodedText DoubleValue = JsonEncodedText.Encode("doubleValue"u8);
    public static readonly JsonEncodedText BytesValue = JsonEncodedText.Encode("bytesValue"u8);
    public static readonly JsonEncodedText ArrayValue = JsonEncodedText.Encode("arrayValue"u8);
    public static readonly JsonEncodedText KvlistValue = JsonEncodedText.Encode("kvlistValue"u8);

    public static readonly JsonEncodedText TraceId = JsonEncodedText.Encode("traceId"u8);
    public static readonly JsonEncodedText SpanId = JsonEncodedText.Encode("spanId"u8);
    public static readonly JsonEncodedText TraceState = JsonEncodedText.Encode("traceState"u8);
    public static readonly JsonEncodedText ParentSpanId = JsonEncodedText.Encode("parentSpanId"u8);
    public static readonly JsonEncodedText Flags = JsonEncodedText.Encode("flags"u8);
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name"u8);
    public static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind"u8);
    public static readonly JsonEncodedText StartTimeUnixNano = JsonEncodedText.Encode("startTimeUnixNano"u8);
    public static readonly JsonEncodedText EndTimeUnixNano = JsonEncodedText.Encode("endTimeUnixNano"u8);
    public static readonly JsonEncodedText TimeUnixNano = JsonEncodedText.Encode("timeUnixNano"u8);
    public static readonly JsonEncodedText Attributes = JsonEncodedText.Encode("attributes"u8);
    public static readonly JsonEncodedText DroppedAttributesCount = JsonEncodedText.Encode("droppedAttributesCount"u8);
    public static readonly JsonEncodedText Events = JsonEncodedText.Encode("events"u8);
    public static readonly JsonEncodedText DroppedEventsCount = JsonEncodedText.Encode("droppedEventsCount"u8);
    public static readonly JsonEncodedText Links = JsonEncodedText.Encode("links"u8);
    public static readonly JsonEncodedText DroppedLinksCount = JsonEncodedText.Encode("droppedLinksCount"u8);
    public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status"u8);
    public static readonly JsonEncodedText Code = JsonEncodedText.Encode("code"u8);
    public static readonly JsonEncodedText Message = JsonEncodedText.Encode("message"u8);

    public static readonly JsonEncodedText ResourceSpans = JsonEncodedText.Encode("resourceSpans"u8);
    public static readonly JsonEncodedText Resource = JsonEncodedText.Encode("resource"u8);
    public static readonly JsonEncodedText ScopeSpans = JsonEncodedText.Encode("scopeSpans"u8);
    public static readonly JsonEncodedText Scope = JsonEncodedText.Encode("scope"u8);
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version"u8);
    public static readonly JsonEncodedText Spans = JsonEncodedText.Encode("spans"u8);
}

namespace OtlpBroadcast;

/// <summary>
/// Field numbers of the OTLP protobuf messages this SDK writes (opentelemetry-proto <c>trace.proto</c>,
/// <c>common.proto</c>, <c>resource.proto</c>, <c>trace_service.proto</c>) and of the answers it reads
/// (<c>google/rpc/status.proto</c>). Kept in one place so a review against the .proto files is one read.
/// </summary>
internal static class OtlpProtobufFields
{
    // ExportTraceServiceRequest
    public const int RequestResourceSpans = 1;

    // ExportTraceServiceResponse / ExportTracePartialSuccess
    public const int ResponsePartialSuccess = 1;
    public const int PartialSuccessRejectedSpans = 1;
    public const int PartialSuccessErrorMessage = 2;

    // google.rpc.Status, the body of an OTLP/HTTP 4xx or 5xx answer (code = 1, details = 3 are not read)
    public const int RpcStatusMessage = 2;

    // ResourceSpans
    public const int ResourceSpansResource = 1;
    public const int ResourceSpansScopeSpans = 2;

    // Resource
    public const int ResourceAttributes = 1;

    // ScopeSpans
    public const int ScopeSpansScope = 1;
    public const int ScopeSpansSpans = 2;

    // InstrumentationScope
    public const int ScopeName = 1;
    public const int ScopeVersion = 2;

    // Span
    public const int SpanTraceId = 1;
    public const int SpanSpanId = 2;
    public const int SpanTraceState = 3;
    public const int SpanParentSpanId = 4;
    public const int SpanName = 5;
    public const int SpanKind = 6;
    public const int SpanStartTime = 7;
    public const int SpanEndTime = 8;
    public const int SpanAttributes = 9;
    public const int SpanDroppedAttributesCount = 10;
    public const int SpanEvents = 11;
    public const int SpanDroppedEventsCount = 12;
    public const int SpanLinks = 13;
    public const int SpanDroppedLinksCount = 14;
    public const int SpanStatus = 15;
    public const int SpanFlags = 16;

    // Span.Event
    public const int EventTime = 1;
    public const int EventName = 2;
    public const int EventAttributes = 3;
    public const int EventDroppedAttributesCount = 4;

    // Span.Link
    public const int LinkTraceId = 1;
    public const int LinkSpanId = 2;
    public const int LinkTraceState = 3;
    public const int LinkAttributes = 4;
    public const int LinkDroppedAttributesCount = 5;
    public const int LinkFlags = 6;

    // Status (field 1 is reserved)
    public const int StatusMessage = 2;
    public const int StatusCode = 3;

    // KeyValue
    public const int KeyValueKey = 1;
    public const int KeyValueValue = 2;

    // AnyValue (a oneof)
    public const int AnyString = 1;
    public const int AnyBool = 2;
    public const int AnyInt = 3;
    public const int AnyDouble = 4;
    public const int AnyArray = 5;
    public const int AnyKeyValueList = 6;
    public const int AnyBytes = 7;

    // ArrayValue and KeyValueList
    public const int ArrayValues = 1;
    public const int KeyValueListValues = 1;
}

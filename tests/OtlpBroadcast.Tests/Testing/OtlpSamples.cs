using System.Text;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>Hand-written OTLP JSON bodies, so the receiver is checked without the SDK that it checks.</summary>
internal static class OtlpSamples
{
    public const string TraceId = "5b8efff798038103d269b633813fc60c";
    public const string RootSpanId = "eee19b7ec3c1b174";
    public const string ChildSpanId = "eee19b7ec3c1b173";

    /// <summary>Every field of the envelope, span, event, link, status and every AnyValue kind.</summary>
    public const string Full = """
        {
          "resourceSpans": [{
            "resource": {
              "attributes": [{ "key": "service.name", "value": { "stringValue": "router" } }],
              "droppedAttributesCount": 1
            },
            "schemaUrl": "https://opentelemetry.io/schemas/1.30.0",
            "scopeSpans": [{
              "scope": {
                "name": "OtlpBroadcast", "version": "0.1.0",
                "attributes": [{ "key": "scope.attr", "value": { "boolValue": false } }],
                "droppedAttributesCount": 2
              },
              "schemaUrl": "https://opentelemetry.io/schemas/1.31.0",
              "spans": [{
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b173",
                "traceState": "vendor=1",
                "parentSpanId": "eee19b7ec3c1b174",
                "flags": 257,
                "name": "chat gpt-4o",
                "kind": 3,
                "startTimeUnixNano": "1700000000000000000",
                "endTimeUnixNano": "1700000001500000000",
                "attributes": [
                  { "key": "s", "value": { "stringValue": "text \"quoted\"" } },
                  { "key": "b", "value": { "boolValue": true } },
                  { "key": "i", "value": { "intValue": "-9223372036854775808" } },
                  { "key": "d", "value": { "doubleValue": 0.25 } },
                  { "key": "bytes", "value": { "bytesValue": "AQID/w==" } },
                  { "key": "a", "value": { "arrayValue": { "values": [{ "stringValue": "stop" }, { "intValue": "7" }] } } },
                  { "key": "kv", "value": { "kvlistValue": { "values": [{ "key": "inner", "value": { "doubleValue": 1 } }] } } },
                  { "key": "emptyArray", "value": { "arrayValue": {} } }
                ],
                "droppedAttributesCount": 3,
                "events": [{
                  "timeUnixNano": "1700000000500000000",
                  "name": "first token",
                  "attributes": [{ "key": "e", "value": { "intValue": "1" } }],
                  "droppedAttributesCount": 4
                }],
                "droppedEventsCount": 5,
                "links": [{
                  "traceId": "0af7651916cd43dd8448eb211c80319c",
                  "spanId": "b7ad6b7169203331",
                  "traceState": "other=2",
                  "attributes": [{ "key": "l", "value": { "stringValue": "x" } }],
                  "droppedAttributesCount": 6,
                  "flags": 1
                }],
                "droppedLinksCount": 7,
                "status": { "code": 2, "message": "upstream timeout" }
              }]
            }]
          }]
        }
        """;

    /// <summary>A minimal valid body with one span; <paramref name="spanFields"/> replaces the optional span fields.</summary>
    public static string OneSpan(string spanFields = "\"kind\": 1", string spanId = RootSpanId, string name = "s")
        => $$"""
        {"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"t"},"spans":[{
          "traceId":"{{TraceId}}","spanId":"{{spanId}}","name":"{{name}}",
          "startTimeUnixNano":"1","endTimeUnixNano":"2",{{spanFields}}}]}]}]}
        """;

    public static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}

using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OtlpBroadcast.Generators.FunctionalTests;

/// <summary>Renders what a generated writer sends to the OTLP/JSON sink, as compact JSON text.</summary>
internal static class AttributeJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write<T>(T value, bool includeContent) where T : IOtlpAttributes
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartArray();
            var sink = new OtlpJsonAttributeSink(writer);
            value.WriteOtlpAttributes(ref sink, includeContent);
            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A string attribute as OTLP/JSON, to keep expected texts short.</summary>
    public static string S(string key, string value) => $$$"""{"key":"{{{key}}}","value":{"stringValue":"{{{value}}}"}}""";

    public static string I(string key, long value) => $$$"""{"key":"{{{key}}}","value":{"intValue":"{{{value}}}"}}""";

    public static string D(string key, string value) => $$$"""{"key":"{{{key}}}","value":{"doubleValue":{{{value}}}}}""";

    public static string B(string key, bool value) => $$$"""{"key":"{{{key}}}","value":{"boolValue":{{{(value ? "true" : "false")}}}}}""";

    public static string Array(params string[] items) => "[" + string.Join(",", items) + "]";
}

using System.Text.Json.Serialization;

namespace OtlpBroadcast.Export;

/// <summary>The OTLP <c>ExportTraceServiceResponse</c> as JSON.</summary>
internal sealed class ExportTraceServiceResponse
{
    public ExportTracePartialSuccess? PartialSuccess { get; set; }
}

/// <summary>The partial-success part of a response; <c>rejectedSpans</c> arrives as a string or a number.</summary>
internal sealed class ExportTracePartialSuccess
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long RejectedSpans { get; set; }

    public string? ErrorMessage { get; set; }
}

/// <summary>Source-generated (reflection-free) reading of OTLP responses.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(ExportTraceServiceResponse))]
internal sealed partial class OtlpResponseJsonContext : JsonSerializerContext
{
}

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

/// <summary>
/// A <c>google.rpc.Status</c> as JSON (<c>{"code":3,"message":"…","details":[]}</c>), the body OTLP/HTTP gives a 4xx
/// or 5xx answer to a JSON request. Only read on an error's path.
/// </summary>
internal sealed class RpcStatusJson
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public int? Code { get; set; }

    public string? Message { get; set; }

    public System.Text.Json.JsonElement? Details { get; set; }

    /// <summary>Any other member: then the body is more than a Status, and is reported whole so that nothing the server
    /// said is lost.</summary>
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Other { get; set; }
}

/// <summary>Source-generated (reflection-free) reading of OTLP responses.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(ExportTraceServiceResponse))]
[JsonSerializable(typeof(RpcStatusJson))]
internal sealed partial class OtlpResponseJsonContext : JsonSerializerContext
{
}

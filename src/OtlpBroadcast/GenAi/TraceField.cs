using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast;

/// <summary>
/// The <c>trace</c> object of an LLM request, as hosted routers accept it:
/// <c>{"trace_id":"app_trace_001","trace_name":"Chat Handler","generation_name":"Generate Response","environment":"staging"}</c>.
/// The five known keys steer the span tree; every other key is custom metadata, sent as
/// <c>trace.metadata.&lt;key&gt;</c>.
/// </summary>
[JsonConverter(typeof(TraceFieldJsonConverter))]
public sealed class TraceField
{
    /// <summary><c>trace_id</c>: groups requests into one trace. Any string; see <see cref="OtlpBroadcast.TraceId.FromString"/>.</summary>
    public string? TraceId { get; set; }

    /// <summary><c>trace_name</c>: the name of the request's top span.</summary>
    public string? TraceName { get; set; }

    /// <summary><c>span_name</c>: the name of an intermediate span between the top span and the generation.</summary>
    public string? SpanName { get; set; }

    /// <summary><c>generation_name</c>: the name of the LLM generation span.</summary>
    public string? GenerationName { get; set; }

    /// <summary><c>parent_span_id</c>: a span of the caller's trace that the request's top span becomes a child of.</summary>
    public string? ParentSpanId { get; set; }

    /// <summary>Every other key, with its JSON value.</summary>
    public IDictionary<string, JsonElement> Metadata { get; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>Keys the JSON held that could not be read as text (a lone surrogate escaped): left out of
    /// <see cref="Metadata"/> when read, and counted with the metadata entries cut when it is written.</summary>
    internal int KeysLeftOut { get; set; }

    /// <summary>Reads a <c>trace</c> object from JSON (reflection-free).</summary>
    /// <exception cref="JsonException">The text is not a JSON object.</exception>
    public static TraceField Parse(string json)
        => JsonSerializer.Deserialize(json, OtlpBroadcastJsonContext.Default.TraceField)
           ?? throw new JsonException("The trace field is null.");

    /// <summary>The JSON form, known keys first.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, OtlpBroadcastJsonContext.Default.TraceField);
}

using System.Text.Json.Serialization;

namespace OtlpBroadcast;

/// <summary>
/// Source-generated (reflection-free, AOT-safe) System.Text.Json metadata for the SDK's own types. Add it to a
/// host's resolver chain to deserialise requests that carry a <see cref="TraceField"/>.
/// </summary>
[JsonSerializable(typeof(TraceField))]
public sealed partial class OtlpBroadcastJsonContext : JsonSerializerContext
{
}

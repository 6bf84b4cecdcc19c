using OtlpBroadcast.Configuration;

namespace Gateway;

/// <summary>A destination's protocol and compression as the admin API and configuration give them: the spellings of
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> and <c>OTEL_EXPORTER_OTLP_COMPRESSION</c> (or the enum names), any case; <see cref="OtlpWireNames"/> writes them.</summary>
internal static class WireSettings
{
    /// <summary><c>http/json</c> (also when not given) or <c>http/protobuf</c>.</summary>
    /// <exception cref="OtlpConfigurationException">Another value; the message starts with <paramref name="what"/> and
    /// names what is supported.</exception>
    public static OtlpProtocol Protocol(string? text, string what) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "http/json" or "httpjson" => OtlpProtocol.HttpJson,
        "http/protobuf" or "httpprotobuf" => OtlpProtocol.HttpProtobuf,
        _ => throw new OtlpConfigurationException($"{what} must be http/json or http/protobuf (OTLP/HTTP; grpc is not supported)."),
    };

    /// <summary><c>none</c> (also when not given) or <c>gzip</c>.</summary>
    /// <exception cref="OtlpConfigurationException">Another value; the message starts with <paramref name="what"/>.</exception>
    public static OtlpCompression Compression(string? text, string what) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "none" => OtlpCompression.None,
        "gzip" => OtlpCompression.Gzip,
        _ => throw new OtlpConfigurationException($"{what} must be none or gzip."),
    };
}

namespace OtlpBroadcast.Configuration;

/// <summary>The wire protocol of an OTLP exporter (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</summary>
public enum OtlpProtocol
{
    /// <summary><c>http/json</c>: OTLP/HTTP with JSON encoding (the default of this SDK).</summary>
    HttpJson = 0,

    /// <summary><c>http/protobuf</c>: OTLP/HTTP with binary protobuf encoding.</summary>
    HttpProtobuf = 1,

    /// <summary><c>grpc</c>: OTLP over gRPC.</summary>
    Grpc = 2,
}

/// <summary>Body compression of an OTLP/HTTP request (<c>OTEL_EXPORTER_OTLP_COMPRESSION</c>).</summary>
public enum OtlpCompression
{
    /// <summary>No compression (the default: not every backend accepts gzip).</summary>
    None = 0,

    /// <summary><c>Content-Encoding: gzip</c>.</summary>
    Gzip = 1,
}

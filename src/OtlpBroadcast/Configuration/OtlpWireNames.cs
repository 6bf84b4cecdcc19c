namespace OtlpBroadcast.Configuration;

/// <summary>
/// The names of <see cref="OtlpProtocol"/> and <see cref="OtlpCompression"/> values as OpenTelemetry spells them
/// (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>: <c>http/json</c>, <c>http/protobuf</c>, <c>grpc</c>;
/// <c>OTEL_EXPORTER_OTLP_COMPRESSION</c>: <c>none</c>, <c>gzip</c>), read ignoring case: one spelling for the
/// environment variables, listings, a command line or an admin form.
/// </summary>
public static class OtlpWireNames
{
    /// <summary><c>http/json</c>, <c>http/protobuf</c> or <c>grpc</c> (an undefined value as its number).</summary>
    public static string Of(OtlpProtocol protocol) => protocol switch
    {
        OtlpProtocol.HttpJson => "http/json",
        OtlpProtocol.HttpProtobuf => "http/protobuf",
        OtlpProtocol.Grpc => "grpc",
        _ => ((int)protocol).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary><c>none</c> or <c>gzip</c> (an undefined value as its number).</summary>
    public static string Of(OtlpCompression compression) => compression switch
    {
        OtlpCompression.None => "none",
        OtlpCompression.Gzip => "gzip",
        _ => ((int)compression).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Reads <c>http/json</c>, <c>http/protobuf</c> or <c>grpc</c>, ignoring case.</summary>
    public static bool TryParse(string? text, out OtlpProtocol protocol)
    {
        foreach (OtlpProtocol candidate in (ReadOnlySpan<OtlpProtocol>)[OtlpProtocol.HttpJson, OtlpProtocol.HttpProtobuf, OtlpProtocol.Grpc])
        {
            if (string.Equals(text, Of(candidate), StringComparison.OrdinalIgnoreCase))
            {
                protocol = candidate;
                return true;
            }
        }

        protocol = default;
        return false;
    }

    /// <summary>Reads <c>none</c> or <c>gzip</c>, ignoring case.</summary>
    public static bool TryParse(string? text, out OtlpCompression compression)
    {
        foreach (OtlpCompression candidate in (ReadOnlySpan<OtlpCompression>)[OtlpCompression.None, OtlpCompression.Gzip])
        {
            if (string.Equals(text, Of(candidate), StringComparison.OrdinalIgnoreCase))
            {
                compression = candidate;
                return true;
            }
        }

        compression = default;
        return false;
    }
}

using V = OtlpBroadcast.Configuration.OtlpEnvironmentVariables;

namespace OtlpBroadcast.Configuration;

/// <summary>
/// Reads trace export settings from the standard OpenTelemetry environment variables
/// (<c>OTEL_EXPORTER_OTLP_*</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>, <c>OTEL_BSP_*</c>).
/// </summary>
/// <remarks>
/// <para>A variable that is empty or only whitespace counts as not set; other values are trimmed.</para>
/// <para>
/// When <c>OTEL_SDK_DISABLED</c> is <c>true</c>, the exporter variables (<c>OTEL_EXPORTER_OTLP_*</c>, <c>OTEL_BSP_*</c>)
/// are neither read nor validated: the switch turns the exporter off even when its settings are broken. The service
/// (<c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>) is still read.
/// </para>
/// <para>
/// Where a trace-specific variable (<c>OTEL_EXPORTER_OTLP_TRACES_*</c>) is set, the generic one is ignored
/// entirely and not even validated, since this exporter does not use it.
/// </para>
/// </remarks>
public static class OtlpEnvironment
{
    /// <summary>Reads the settings from the process environment.</summary>
    /// <exception cref="OtlpConfigurationException">A variable is set to an invalid value.</exception>
    public static OtlpEnvironmentSettings Read() => Read(Environment.GetEnvironmentVariable);

    /// <summary>Reads the settings through <paramref name="getVariable"/>, which returns a variable's value or <see langword="null"/>.</summary>
    /// <exception cref="OtlpConfigurationException">
    /// A variable is set to an invalid value. The message names the variable; it quotes the value only for
    /// variables that cannot carry secrets (never for headers, resource attributes or endpoints).
    /// </exception>
    public static OtlpEnvironmentSettings Read(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);

        string? Get(string name) => getVariable(name) is { } value && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : null;

        (string Name, string Text)? GetEither(string specific, string generic) =>
            Get(specific) is { } specificText ? (specific, specificText)
            : Get(generic) is { } genericText ? (generic, genericText)
            : null;

        IReadOnlyList<KeyValuePair<string, string>> resourceAttributes =
            Get(V.ResourceAttributes) is { } attributesText
                ? KeyValueListParser.Parse(V.ResourceAttributes, attributesText, decodeKeys: true)
                : [];

        string? serviceName = Get(V.ServiceName) ?? ServiceNameFrom(resourceAttributes);

        // The switch that turns the exporter off must work also when its settings are broken: they are not even read.
        if (string.Equals(Get(V.SdkDisabled), "true", StringComparison.OrdinalIgnoreCase))
        {
            return new OtlpEnvironmentSettings { SdkDisabled = true, ServiceName = serviceName, ResourceAttributes = resourceAttributes };
        }

        return new OtlpEnvironmentSettings
        {
            TracesEndpoint = ReadEndpoint(Get),
            Headers = GetEither(V.TracesHeaders, V.Headers) is { } headers
                ? KeyValueListParser.Parse(headers.Name, headers.Text, decodeKeys: false, HttpHeaderRules.FindProblem)
                : [],
            Timeout = GetEither(V.TracesTimeout, V.Timeout) is { } timeout
                ? OtlpEnvironmentValues.ParseMilliseconds(timeout.Name, timeout.Text)
                : null,
            Compression = GetEither(V.TracesCompression, V.Compression) is { } compression
                ? OtlpEnvironmentValues.ParseCompression(compression.Name, compression.Text)
                : null,
            Protocol = GetEither(V.TracesProtocol, V.Protocol) is { } protocol
                ? OtlpEnvironmentValues.ParseProtocol(protocol.Name, protocol.Text)
                : null,
            ServiceName = serviceName,
            ResourceAttributes = resourceAttributes,
            MaxQueueSize = Get(V.MaxQueueSize) is { } queueSize
                ? OtlpEnvironmentValues.ParsePositiveInteger(V.MaxQueueSize, queueSize)
                : null,
            MaxExportBatchSize = Get(V.MaxExportBatchSize) is { } batchSize
                ? OtlpEnvironmentValues.ParsePositiveInteger(V.MaxExportBatchSize, batchSize)
                : null,
            ScheduledDelay = Get(V.ScheduleDelay) is { } delay
                ? OtlpEnvironmentValues.ParseMilliseconds(V.ScheduleDelay, delay)
                : null,
            ExportTimeout = Get(V.ExportTimeout) is { } exportTimeout
                ? OtlpEnvironmentValues.ParseMilliseconds(V.ExportTimeout, exportTimeout)
                : null,
        };
    }

    private static Uri? ReadEndpoint(Func<string, string?> get)
    {
        if (get(V.TracesEndpoint) is { } tracesEndpoint)
        {
            return OtlpEndpointParser.ParseSignal(V.TracesEndpoint, tracesEndpoint);
        }

        return get(V.Endpoint) is { } baseEndpoint ? OtlpEndpointParser.ParseBase(V.Endpoint, baseEndpoint) : null;
    }

    // Last one wins, as when the list is read into a map; an empty value names nothing.
    private static string? ServiceNameFrom(IReadOnlyList<KeyValuePair<string, string>> resourceAttributes)
    {
        for (int i = resourceAttributes.Count - 1; i >= 0; i--)
        {
            if (resourceAttributes[i].Key == "service.name")
            {
                string value = resourceAttributes[i].Value;
                return string.IsNullOrWhiteSpace(value) ? null : value;
            }
        }

        return null;
    }
}

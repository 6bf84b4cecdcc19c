namespace OtlpBroadcast.Configuration;

/// <summary>Names of the OpenTelemetry environment variables this SDK reads.</summary>
internal static class OtlpEnvironmentVariables
{
    public const string SdkDisabled = "OTEL_SDK_DISABLED";
    public const string Endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string Headers = "OTEL_EXPORTER_OTLP_HEADERS";
    public const string TracesHeaders = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
    public const string Timeout = "OTEL_EXPORTER_OTLP_TIMEOUT";
    public const string TracesTimeout = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
    public const string Compression = "OTEL_EXPORTER_OTLP_COMPRESSION";
    public const string TracesCompression = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
    public const string Protocol = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string TracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
    public const string ServiceName = "OTEL_SERVICE_NAME";
    public const string ResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";
    public const string MaxQueueSize = "OTEL_BSP_MAX_QUEUE_SIZE";
    public const string MaxExportBatchSize = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
    public const string ScheduleDelay = "OTEL_BSP_SCHEDULE_DELAY";
    public const string ExportTimeout = "OTEL_BSP_EXPORT_TIMEOUT";
}

using System.Globalization;

namespace OtlpBroadcast.Configuration;

/// <summary>
/// What the standard OpenTelemetry environment variables say about trace export, as read by
/// <see cref="OtlpEnvironment.Read()"/>. A <see langword="null"/> property means the variable was not set (or
/// was empty), and the consumer applies its own default.
/// </summary>
/// <remarks>
/// Values are parsed but not reconciled with each other: for example a <see cref="MaxExportBatchSize"/> larger
/// than <see cref="MaxQueueSize"/> is kept as written, and the batch processor clamps it.
/// </remarks>
public sealed class OtlpEnvironmentSettings
{
    private const string NotSet = "(not set)";

    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers = [];
    private readonly IReadOnlyList<KeyValuePair<string, string>> _resourceAttributes = [];

    /// <summary>
    /// <c>OTEL_SDK_DISABLED</c> is <c>true</c> (in any case; every other value is false, as the specification says):
    /// the variables then configure no exporter, and consumers add no destination from them. The exporter variables are
    /// then neither read nor validated (their properties are <see langword="null"/> or empty); the service still is.
    /// </summary>
    public bool SdkDisabled { get; init; }

    /// <summary>
    /// The full URL traces are posted to: <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> as is, or else
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> with <c>v1/traces</c> appended to its path.
    /// </summary>
    public Uri? TracesEndpoint { get; init; }

    /// <summary>
    /// Headers for every export request, values percent-decoded, in the order written (duplicates kept).
    /// <c>OTEL_EXPORTER_OTLP_TRACES_HEADERS</c> replaces <c>OTEL_EXPORTER_OTLP_HEADERS</c> as a whole. Empty
    /// when neither is set. The values are secrets: <see cref="ToString"/> never shows them.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers
    {
        get => _headers;
        init => _headers = Snapshot(value);
    }

    /// <summary>The export request timeout (<c>OTEL_EXPORTER_OTLP_TRACES_TIMEOUT</c>, else <c>OTEL_EXPORTER_OTLP_TIMEOUT</c>).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The request body compression (<c>OTEL_EXPORTER_OTLP_TRACES_COMPRESSION</c>, else <c>OTEL_EXPORTER_OTLP_COMPRESSION</c>).</summary>
    public OtlpCompression? Compression { get; init; }

    /// <summary>
    /// The requested protocol (<c>OTEL_EXPORTER_OTLP_TRACES_PROTOCOL</c>, else <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).
    /// Whether the exporter supports it is decided by the exporter.
    /// </summary>
    public OtlpProtocol? Protocol { get; init; }

    /// <summary>
    /// <c>OTEL_SERVICE_NAME</c>, or else the last <c>service.name</c> entry of <c>OTEL_RESOURCE_ATTRIBUTES</c>
    /// (<see langword="null"/> if that entry's value is empty).
    /// </summary>
    public string? ServiceName { get; init; }

    /// <summary>
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c> exactly as parsed (keys and values percent-decoded, order and duplicates kept).
    /// A <c>service.name</c> entry stays here even when <see cref="ServiceName"/> comes from
    /// <c>OTEL_SERVICE_NAME</c>; the consumer lets <see cref="ServiceName"/> win.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> ResourceAttributes
    {
        get => _resourceAttributes;
        init => _resourceAttributes = Snapshot(value);
    }

    /// <summary>The batch processor's queue capacity, at least 1 (<c>OTEL_BSP_MAX_QUEUE_SIZE</c>).</summary>
    public int? MaxQueueSize { get; init; }

    /// <summary>
    /// The largest batch per export, at least 1 (<c>OTEL_BSP_MAX_EXPORT_BATCH_SIZE</c>). May exceed
    /// <see cref="MaxQueueSize"/>; the batch processor clamps it.
    /// </summary>
    public int? MaxExportBatchSize { get; init; }

    /// <summary>The delay between two scheduled exports (<c>OTEL_BSP_SCHEDULE_DELAY</c>, milliseconds).</summary>
    public TimeSpan? ScheduledDelay { get; init; }

    /// <summary>How long one batch export may take (<c>OTEL_BSP_EXPORT_TIMEOUT</c>, milliseconds).</summary>
    public TimeSpan? ExportTimeout { get; init; }

    /// <summary>
    /// Describes the settings for diagnostics. Header values never appear; neither do the endpoint's
    /// user-info and query, nor resource attribute values, since any of them can carry credentials.
    /// </summary>
    public override string ToString() =>
        "OtlpEnvironmentSettings { "
        + $"TracesEndpoint = {DescribeEndpoint(TracesEndpoint)}, "
        + $"Headers = {DescribeKeys(Headers)}, "
        + $"Timeout = {Describe(Timeout)}, "
        + $"Compression = {Describe(Compression)}, "
        + $"Protocol = {Describe(Protocol)}, "
        + $"ServiceName = {ServiceName ?? NotSet}, "
        + $"ResourceAttributes = {DescribeKeys(ResourceAttributes)}, "
        + $"MaxQueueSize = {Describe(MaxQueueSize)}, "
        + $"MaxExportBatchSize = {Describe(MaxExportBatchSize)}, "
        + $"ScheduledDelay = {Describe(ScheduledDelay)}, "
        + $"ExportTimeout = {Describe(ExportTimeout)} }}";

    // Copied so that a caller keeping a reference to its own list cannot change the settings afterwards.
    private static IReadOnlyList<KeyValuePair<string, string>> Snapshot(IReadOnlyList<KeyValuePair<string, string>> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Array.AsReadOnly(value.ToArray());
    }

    private static string DescribeEndpoint(Uri? endpoint) => endpoint is null ? NotSet : OtlpEndpointParser.Describe(endpoint);

    private static string DescribeKeys(IReadOnlyList<KeyValuePair<string, string>> entries) =>
        "[" + string.Join(", ", entries.Select(entry => entry.Key)) + "]";

    private static string Describe(TimeSpan? value) =>
        value is { } span ? span.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms" : NotSet;

    private static string Describe(int? value) =>
        value is { } number ? number.ToString(CultureInfo.InvariantCulture) : NotSet;

    private static string Describe<TEnum>(TEnum? value) where TEnum : struct, Enum =>
        value is { } member ? member.ToString() : NotSet;
}

using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Export;

/// <summary>
/// The settings of one destination as a user writes them (configuration binding, an admin form). Turn them into a
/// validated <see cref="OtlpDestination"/> with <see cref="OtlpDestination.Create(OtlpDestinationOptions)"/>.
/// </summary>
public sealed class OtlpDestinationOptions
{
    /// <summary>A name that identifies the destination in listings, counters and logs.</summary>
    public string Name { get; set; } = "default";

    /// <summary>The full OTLP traces URL, e.g. <c>https://api.axiom.co/v1/traces</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Headers as a JSON object of strings, exactly as backends document them.</summary>
    public string? HeadersJson { get; set; }

    /// <summary>Headers as name/value pairs (combined with <see cref="HeadersJson"/>; a name may appear once).</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether spans go to this destination at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When on, prompt and completion content is never encoded for this destination.</summary>
    public bool PrivacyMode { get; set; }

    /// <summary>The wire protocol: <see cref="OtlpProtocol.HttpJson"/> (the default) or
    /// <see cref="OtlpProtocol.HttpProtobuf"/> (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>); gRPC is not supported.</summary>
    public OtlpProtocol Protocol { get; set; } = OtlpProtocol.HttpJson;

    /// <summary>Body compression; off by default because not every backend accepts gzip.</summary>
    public OtlpCompression Compression { get; set; } = OtlpCompression.None;

    /// <summary>The timeout of one HTTP request (<c>OTEL_EXPORTER_OTLP_TIMEOUT</c>, default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Allows headers (credentials) over plain http to a host that is not loopback. Off by default.</summary>
    public bool AllowInsecureCredentials { get; set; }

    /// <summary>Spans held in the queue at most; more are dropped and counted (<c>OTEL_BSP_MAX_QUEUE_SIZE</c>, 2048).</summary>
    public int MaxQueueSize { get; set; } = 2048;

    /// <summary>Spans in one request at most (<c>OTEL_BSP_MAX_EXPORT_BATCH_SIZE</c>, 512).</summary>
    public int MaxExportBatchSize { get; set; } = 512;

    /// <summary>Bytes of one request body at most, before compression. 1 MiB by default: well under the limits of
    /// real backends (about 3 to 4 MiB) and the OTLP maximum (64 MiB).</summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>How long spans wait for a batch to fill (<c>OTEL_BSP_SCHEDULE_DELAY</c>, 5 s).</summary>
    public TimeSpan ScheduledDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one batch may take, retries included (<c>OTEL_BSP_EXPORT_TIMEOUT</c>, 30 s).</summary>
    public TimeSpan ExportTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per batch at most, the first included (default 5).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The backoff before the first retry (default 1 s); it grows 1.5 times per retry, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest backoff between retries (default 5 s); a longer <c>Retry-After</c> is still honoured
    /// while the export timeout allows.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sampling, filters and content settings for LLM generations broadcast to this destination.</summary>
    public BroadcastSettings Broadcast { get; } = new();

    /// <summary>Applies what the OpenTelemetry environment variables say on top of these options.</summary>
    public OtlpDestinationOptions ApplyEnvironment(OtlpEnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.TracesEndpoint is not null)
        {
            Endpoint = settings.TracesEndpoint.AbsoluteUri;
        }

        // Checked here, by position: in the variable's list a value holding a raw ',' splits into a piece whose
        // "name" is part of that value, often a credential, which the destination's own messages would quote.
        int position = 0;
        foreach (KeyValuePair<string, string> header in settings.Headers)
        {
            position++;
            if (DestinationHeaders.FindProblem(header.Key, header.Value) is { } problem)
            {
                throw new OtlpConfigurationException(
                    $"Header {position} of OTEL_EXPORTER_OTLP_(TRACES_)HEADERS {problem} (a value that holds ',' must write it as %2C).");
            }

            Headers[header.Key] = header.Value;
        }

        // Checked here, where the variable is known: the destination's own message names its setting only.
        RequireWithinLimits(settings.Timeout, "OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT", allowZero: false);
        RequireWithinLimits(settings.ScheduledDelay, OtlpEnvironmentVariables.ScheduleDelay, allowZero: true);
        RequireWithinLimits(settings.ExportTimeout, OtlpEnvironmentVariables.ExportTimeout, allowZero: false);
        RequireWithinLimits(settings.MaxQueueSize, OtlpEnvironmentVariables.MaxQueueSize);
        RequireWithinLimits(settings.MaxExportBatchSize, OtlpEnvironmentVariables.MaxExportBatchSize);
        Timeout = settings.Timeout ?? Timeout;
        Compression = settings.Compression ?? Compression;
        Protocol = settings.Protocol ?? Protocol;
        MaxQueueSize = settings.MaxQueueSize ?? MaxQueueSize;
        MaxExportBatchSize = settings.MaxExportBatchSize ?? MaxExportBatchSize;
        ScheduledDelay = settings.ScheduledDelay ?? ScheduledDelay;
        ExportTimeout = settings.ExportTimeout ?? ExportTimeout;
        return this;
    }

    private static void RequireWithinLimits(TimeSpan? value, string variable, bool allowZero)
    {
        TimeSpan min = allowZero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(1);
        if (value is { } duration && (duration < min || duration > OtlpDestination.MaxDuration))
        {
            throw new OtlpConfigurationException(
                $"{variable} must be from {min.TotalMilliseconds} to {OtlpDestination.MaxDuration.TotalMilliseconds} milliseconds (one hour), not {duration.TotalMilliseconds}.");
        }
    }

    private static void RequireWithinLimits(int? value, string variable)
    {
        if (value is > OtlpDestination.MaxSpans)
        {
            throw new OtlpConfigurationException($"{variable} must be from 1 to {OtlpDestination.MaxSpans}, not {value}.");
        }
    }
}

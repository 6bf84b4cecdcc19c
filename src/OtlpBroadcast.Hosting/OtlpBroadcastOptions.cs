using Microsoft.Extensions.Configuration;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Hosting;

/// <summary>
/// Everything <c>AddOtlpBroadcast</c> sets up, as it binds from configuration (e.g. the <c>OtlpBroadcast</c> section
/// of appsettings.json). Destinations given here are trusted configuration: they are added without a connection test.
/// </summary>
public sealed class OtlpBroadcastOptions
{
    private readonly List<OtlpDestinationOptions> _codeDestinations = [];

    /// <summary>The <c>service.name</c> of every span; when not set (or blank), a <c>service.name</c> in
    /// <see cref="ResourceAttributes"/>, else the OTEL variables' with <see cref="UseOtelEnvironment"/>, else
    /// <c>unknown_service:&lt;process name&gt;</c>.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Further resource attributes (<c>deployment.environment</c>, <c>service.version</c>, …).</summary>
    public Dictionary<string, string> ResourceAttributes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The destinations, each with its endpoint, headers and broadcast settings.</summary>
    public List<OtlpBroadcastDestinationOptions> Destinations { get; set; } = [];

    /// <summary>
    /// Also reads the standard OpenTelemetry variables: <c>OTEL_EXPORTER_OTLP_*</c> add a destination named
    /// <see cref="EnvironmentDestinationName"/> when an endpoint is set (and <c>OTEL_SDK_DISABLED</c> is not true),
    /// and <c>OTEL_SERVICE_NAME</c> and
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c> describe the service (settings here win).
    /// </summary>
    public bool UseOtelEnvironment { get; set; }

    /// <summary>The name of the destination the OTEL variables describe.</summary>
    public string EnvironmentDestinationName { get; set; } = "otel-environment";

    /// <summary>
    /// Which addresses destinations may reach. Off by default; a multi-tenant gateway whose users add their own
    /// destinations sets <c>RequirePublicAddresses</c> (see <see cref="DestinationNetworkPolicy"/>).
    /// </summary>
    public OtlpBroadcastNetworkPolicyOptions NetworkPolicy { get; set; } = new();

    /// <summary>How long shutdown may take to send what is queued (default 5 s; <see cref="Timeout.InfiniteTimeSpan"/>:
    /// no deadline of its own, only the host's); what is left is dropped and counted.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many destinations may send from threads of their own, synchronously, with the SDK's own HTTP client instead
    /// of the <c>IHttpClientFactory</c> client named <c>OtlpBroadcast</c> (see
    /// <see cref="ExporterServices.MaxDedicatedExportThreads"/>: less CPU per span, no thread-pool thread left spinning
    /// after each answer). 0 by default: every destination sends through the named client, asynchronously on the
    /// thread pool. When set, the named client, and any handler added to it, is not used (the network policy still
    /// is); destinations beyond the number send from the thread pool with the SDK's own client.
    /// </summary>
    public int MaxDedicatedExportThreads { get; set; }

    /// <summary>Destinations added in code (presets, say), after those from configuration.</summary>
    internal IReadOnlyList<OtlpDestinationOptions> CodeDestinations => _codeDestinations;

    /// <summary>Reads an environment variable; the process environment when <see langword="null"/> (tests replace it).</summary>
    internal Func<string, string?>? GetEnvironmentVariable { get; set; }

    /// <summary>Adds a destination in code, e.g. <c>options.AddDestination(OtlpPresets.Axiom(token, "traces"))</c>.</summary>
    public OtlpBroadcastOptions AddDestination(OtlpDestinationOptions destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _codeDestinations.Add(destination);
        return this;
    }
}

/// <summary>The <see cref="DestinationNetworkPolicy"/> as configuration describes it
/// (<c>"NetworkPolicy": { "RequirePublicAddresses": true, "AllowedHosts": [ "collector.internal" ] }</c>).</summary>
public sealed class OtlpBroadcastNetworkPolicyOptions
{
    /// <summary>Refuse destinations on loopback, private, link-local, carrier-grade NAT, multicast, reserved and cloud
    /// metadata addresses, when configured (IP literals, <c>localhost</c>) and at every connect. Off by default.</summary>
    public bool RequirePublicAddresses { get; set; }

    /// <summary>Host names or IP literals exempt from the check (the operator's own collector, say). An exemption
    /// holds for every destination naming the host, users' destinations included.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>The runtime's policy.</summary>
    /// <exception cref="OtlpBroadcast.Configuration.OtlpConfigurationException">An allowed host is empty.</exception>
    public DestinationNetworkPolicy ToPolicy() => RequirePublicAddresses || AllowedHosts.Count > 0
        ? new DestinationNetworkPolicy { RequirePublicAddresses = RequirePublicAddresses, AllowedHosts = AllowedHosts }
        : DestinationNetworkPolicy.Unrestricted;
}

/// <summary>One destination as configuration describes it; unset values keep <see cref="OtlpDestinationOptions"/>'s defaults.</summary>
public sealed class OtlpBroadcastDestinationOptions
{
    /// <summary>The destination's name (unique); bound from configuration without one, the destination's key when it
    /// is not an index (<c>Destinations:axiom:Endpoint</c>), else <c>default</c>.</summary>
    public string Name { get; set; } = "default";

    /// <summary>The full OTLP traces URL.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Headers as a JSON object of strings, e.g. <c>{"Authorization":"Bearer …","X-Axiom-Dataset":"…"}</c>.</summary>
    public string? HeadersJson { get; set; }

    /// <summary>Headers as a section of name/value pairs.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether spans go there.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Withhold prompt and completion content from this destination.</summary>
    public bool PrivacyMode { get; set; }

    /// <summary>The wire protocol: <c>HttpJson</c> (the default) or <c>HttpProtobuf</c>; configuration may also spell them
    /// as OpenTelemetry does (<c>http/json</c>, <c>http/protobuf</c>, as in <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>), either
    /// spelling in any case. <c>Grpc</c> (or <c>grpc</c>) binds, and is refused when the destination is built.</summary>
    public OtlpProtocol? Protocol { get; set; }

    /// <summary>Body compression: <c>None</c> (the default) or <c>Gzip</c>; configuration may also spell them as
    /// OpenTelemetry does (<c>none</c>, <c>gzip</c>), either spelling in any case.</summary>
    public OtlpCompression? Compression { get; set; }

    /// <summary>Timeout of one HTTP request.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Allow headers over plain http to a host that is not loopback.</summary>
    public bool AllowInsecureCredentials { get; set; }

    /// <summary>Queue capacity in spans.</summary>
    public int? MaxQueueSize { get; set; }

    /// <summary>Spans per request at most.</summary>
    public int? MaxExportBatchSize { get; set; }

    /// <summary>Request body bytes at most.</summary>
    public int? MaxBatchBytes { get; set; }

    /// <summary>How long spans wait for a batch to fill.</summary>
    public TimeSpan? ScheduledDelay { get; set; }

    /// <summary>How long one batch may take, retries included.</summary>
    public TimeSpan? ExportTimeout { get; set; }

    /// <summary>Attempts per batch.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>Backoff before the first retry.</summary>
    public TimeSpan? InitialBackoff { get; set; }

    /// <summary>Largest backoff.</summary>
    public TimeSpan? MaxBackoff { get; set; }

    /// <summary>Sampling, model filter and content settings for LLM generations.</summary>
    public OtlpBroadcastSettingsOptions Broadcast { get; set; } = new();

    /// <summary>
    /// Reads a destination from its configuration section (<c>OtlpBroadcast:Destinations:0</c>, say) as
    /// <c>AddOtlpBroadcast</c> reads each of its destinations: the same settings by the same names and formats, and the
    /// section's key as the name when it gives none and the key is not an index. For applications that add destinations
    /// from configuration to a registry of their own.
    /// </summary>
    /// <exception cref="OtlpConfigurationException">A key is not a setting of a destination or of its <c>Broadcast</c>
    /// section (ignored, a misspelt <c>PrivacyMode</c> would leave privacy off), a value does not convert to its
    /// setting's type, or a single value stands where a section or a list belongs. The message names the key with its
    /// path, never the value, which may be a credential.</exception>
    public static OtlpBroadcastDestinationOptions FromConfiguration(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return OtlpBroadcastConfigurationReader.ReadDestination(section);
    }

    /// <summary>The runtime's options for these settings.</summary>
    public OtlpDestinationOptions ToDestinationOptions()
    {
        var options = new OtlpDestinationOptions
        {
            Name = Name,
            Endpoint = Endpoint,
            HeadersJson = HeadersJson,
            Enabled = Enabled,
            PrivacyMode = PrivacyMode,
            AllowInsecureCredentials = AllowInsecureCredentials,
        };
        options.Protocol = Protocol ?? options.Protocol;
        options.Compression = Compression ?? options.Compression;
        options.Timeout = Timeout ?? options.Timeout;
        options.MaxQueueSize = MaxQueueSize ?? options.MaxQueueSize;
        options.MaxExportBatchSize = MaxExportBatchSize ?? options.MaxExportBatchSize;
        options.MaxBatchBytes = MaxBatchBytes ?? options.MaxBatchBytes;
        options.ScheduledDelay = ScheduledDelay ?? options.ScheduledDelay;
        options.ExportTimeout = ExportTimeout ?? options.ExportTimeout;
        options.MaxAttempts = MaxAttempts ?? options.MaxAttempts;
        options.InitialBackoff = InitialBackoff ?? options.InitialBackoff;
        options.MaxBackoff = MaxBackoff ?? options.MaxBackoff;
        foreach (KeyValuePair<string, string> header in Headers)
        {
            options.Headers[header.Key] = header.Value;
        }

        options.Broadcast.SamplingRate = Broadcast.SamplingRate;
        options.Broadcast.ContentFormat = Broadcast.ContentFormat;
        options.Broadcast.MaxContentLength = Broadcast.MaxContentLength;
        foreach (string model in Broadcast.IncludeModels)
        {
            options.Broadcast.IncludeModels.Add(model);
        }

        return options;
    }
}

/// <summary>The configurable part of <see cref="BroadcastSettings"/> (a filter in code is set on the runtime's options).</summary>
public sealed class OtlpBroadcastSettingsOptions
{
    /// <summary>Fraction of traces kept, 0.0001 to 1.</summary>
    public double SamplingRate { get; set; } = 1.0;

    /// <summary>The keys content goes under.</summary>
    public ContentFormat ContentFormat { get; set; } = ContentFormat.GenAiConventions;

    /// <summary>Longest string value in characters, content or not (default 32 768); 0 for no limit.</summary>
    public int MaxContentLength { get; set; } = 32 * 1024;

    /// <summary>Only these models (exact names or prefixes ending in <c>*</c>); empty for all.</summary>
    public List<string> IncludeModels { get; set; } = [];
}

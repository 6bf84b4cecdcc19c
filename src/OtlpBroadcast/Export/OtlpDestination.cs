using System.Globalization;
using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Export;

/// <summary>
/// A validated, immutable destination: where spans go, with which headers, and how they are batched and retried.
/// Its <see cref="ToString"/> shows the header names only, never their values.
/// </summary>
public sealed class OtlpDestination
{
    private OtlpDestination(OtlpDestinationOptions o, Uri endpoint, DestinationHeaders headers)
    {
        Broadcast = o.Broadcast.Validated(o.Name);
        Name = o.Name;
        Endpoint = endpoint;
        Headers = headers;
        Enabled = o.Enabled;
        PrivacyMode = o.PrivacyMode;
        Protocol = o.Protocol;
        Compression = o.Compression;
        Timeout = o.Timeout;
        MaxQueueSize = o.MaxQueueSize;
        MaxExportBatchSize = Math.Min(o.MaxExportBatchSize, o.MaxQueueSize);
        MaxBatchBytes = o.MaxBatchBytes;
        ScheduledDelay = o.ScheduledDelay;
        ExportTimeout = o.ExportTimeout;
        MaxAttempts = o.MaxAttempts;
        InitialBackoff = o.InitialBackoff;
        MaxBackoff = o.MaxBackoff;
    }

    /// <summary>Sampling, filters and content settings for LLM generations (a validated copy).</summary>
    public BroadcastSettings Broadcast { get; }

    /// <summary>The destination's name.</summary>
    public string Name { get; }

    /// <summary>The full OTLP traces URL.</summary>
    public Uri Endpoint { get; }

    /// <summary>The headers (values are secret).</summary>
    public DestinationHeaders Headers { get; }

    /// <summary>Whether spans go to this destination.</summary>
    public bool Enabled { get; }

    /// <summary>Whether content is withheld from this destination.</summary>
    public bool PrivacyMode { get; }

    /// <summary>The wire protocol: <see cref="OtlpProtocol.HttpJson"/> or <see cref="OtlpProtocol.HttpProtobuf"/>.</summary>
    public OtlpProtocol Protocol { get; }

    /// <summary>The encoding of the span fragments this destination sends, following <see cref="Protocol"/>.</summary>
    public SpanEncoding Encoding => Protocol == OtlpProtocol.HttpProtobuf ? SpanEncoding.Protobuf : SpanEncoding.Json;

    /// <summary>Body compression.</summary>
    public OtlpCompression Compression { get; }

    /// <summary>Timeout of one HTTP request.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Queue capacity in spans.</summary>
    public int MaxQueueSize { get; }

    /// <summary>Spans per request at most (never more than the queue holds).</summary>
    public int MaxExportBatchSize { get; }

    /// <summary>Bytes per request body at most.</summary>
    public int MaxBatchBytes { get; }

    /// <summary>How long spans wait for a batch to fill.</summary>
    public TimeSpan ScheduledDelay { get; }

    /// <summary>How long one batch may take, retries included.</summary>
    public TimeSpan ExportTimeout { get; }

    /// <summary>Attempts per batch at most.</summary>
    public int MaxAttempts { get; }

    /// <summary>Backoff before the first retry.</summary>
    public TimeSpan InitialBackoff { get; }

    /// <summary>Largest computed backoff.</summary>
    public TimeSpan MaxBackoff { get; }

    /// <summary>A destination from a name, a traces URL and optional headers JSON.</summary>
    /// <exception cref="OtlpConfigurationException">Something is invalid; the message says what.</exception>
    public static OtlpDestination Create(string name, string endpoint, string? headersJson = null, bool privacyMode = false)
        => Create(new OtlpDestinationOptions { Name = name, Endpoint = endpoint, HeadersJson = headersJson, PrivacyMode = privacyMode });

    /// <summary>
    /// The destination the standard OpenTelemetry variables describe (<c>OTEL_EXPORTER_OTLP_*</c>, <c>OTEL_BSP_*</c>).
    /// </summary>
    /// <param name="name">The destination's name.</param>
    /// <param name="getVariable">Reads a variable; the process environment when <see langword="null"/>.</param>
    /// <exception cref="OtlpConfigurationException">A variable is invalid, no endpoint is set, or
    /// <c>OTEL_SDK_DISABLED</c> is true.</exception>
    public static OtlpDestination FromEnvironment(string name = "otel-environment", Func<string, string?>? getVariable = null)
    {
        OtlpEnvironmentSettings settings = getVariable is null ? OtlpEnvironment.Read() : OtlpEnvironment.Read(getVariable);
        if (settings.SdkDisabled)
        {
            throw new OtlpConfigurationException("OTEL_SDK_DISABLED is true: the OpenTelemetry variables configure no exporter.");
        }

        if (settings.TracesEndpoint is null)
        {
            throw new OtlpConfigurationException("Neither OTEL_EXPORTER_OTLP_TRACES_ENDPOINT nor OTEL_EXPORTER_OTLP_ENDPOINT is set.");
        }

        return Create(new OtlpDestinationOptions { Name = name }.ApplyEnvironment(settings));
    }

    /// <summary>Validates <paramref name="options"/> and creates the destination.</summary>
    /// <exception cref="OtlpConfigurationException">Something is invalid; the message names the setting.</exception>
    public static OtlpDestination Create(OtlpDestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateName(options.Name);
        Uri endpoint = ParseEndpoint(options.Endpoint);
        DestinationHeaders headers = DestinationHeaders.FromPairs(
            DestinationHeaders.ParseJson(options.HeadersJson).Pairs.Concat(options.Headers));

        if (headers.Count > 0 && endpoint.Scheme == Uri.UriSchemeHttp && !endpoint.IsLoopback && !options.AllowInsecureCredentials)
        {
            throw new OtlpConfigurationException(
                $"Destination '{options.Name}' would send headers (credentials) over plain http to {endpoint.Host}; use https, or set AllowInsecureCredentials if this is intended.");
        }

        if (options.Protocol is not (OtlpProtocol.HttpJson or OtlpProtocol.HttpProtobuf))
        {
            throw new OtlpConfigurationException(
                $"Destination '{options.Name}': Protocol {OtlpWireNames.Of(options.Protocol)} is not supported; use http/json or http/protobuf.");
        }

        if (options.Compression is not (OtlpCompression.None or OtlpCompression.Gzip))
        {
            throw new OtlpConfigurationException(
                $"Destination '{options.Name}': Compression {(int)options.Compression} is not supported; use None or Gzip.");
        }

        RequirePositive(options.Timeout, nameof(options.Timeout), options.Name);
        RequirePositive(options.ScheduledDelay, nameof(options.ScheduledDelay), options.Name, allowZero: true);
        RequirePositive(options.ExportTimeout, nameof(options.ExportTimeout), options.Name);
        RequirePositive(options.InitialBackoff, nameof(options.InitialBackoff), options.Name, allowZero: true);
        RequirePositive(options.MaxBackoff, nameof(options.MaxBackoff), options.Name, allowZero: true);
        RequireRange(options.MaxQueueSize, 1, MaxSpans, nameof(options.MaxQueueSize), options.Name);
        RequireRange(options.MaxExportBatchSize, 1, MaxSpans, nameof(options.MaxExportBatchSize), options.Name);
        RequireRange(options.MaxBatchBytes, 1024, 64 * 1024 * 1024, nameof(options.MaxBatchBytes), options.Name);
        RequireRange(options.MaxAttempts, 1, 100, nameof(options.MaxAttempts), options.Name);
        return new OtlpDestination(options, endpoint, headers);
    }

    /// <summary>Name, endpoint (without its query, which can carry a key), protocol, header names (values masked),
    /// privacy mode and whether it is enabled.</summary>
    public override string ToString()
        => $"{Name} -> {OtlpEndpointParser.Describe(Endpoint)} ({OtlpWireNames.Of(Protocol)}; headers: {Headers}; privacy mode: {(PrivacyMode ? "on" : "off")}; {(Enabled ? "enabled" : "disabled")})";

    private static void ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new OtlpConfigurationException("A destination needs a name.");
        }

        if (name.Length > 100 || name.Any(char.IsControl))
        {
            throw new OtlpConfigurationException("A destination name must be at most 100 characters without control characters.");
        }
    }

    private static Uri ParseEndpoint(string? endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            throw new OtlpConfigurationException("The endpoint is missing: give the full OTLP traces URL, e.g. https://collector.example.com:4318/v1/traces.");
        }

        if (!AbsoluteUri.TryCreate(endpoint.Trim(), out Uri? uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new OtlpConfigurationException("The endpoint is not an absolute URL; give the full OTLP traces URL, e.g. https://collector.example.com:4318/v1/traces.");
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new OtlpConfigurationException($"The endpoint must use http or https, not '{uri.Scheme}'.");
        }

        if (uri.Host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format))
        {
            // Uri takes such a host as an internationalized name; in a listing or a log it could hide or reorder text.
            throw new OtlpConfigurationException("The endpoint's host contains white space or invisible characters.");
        }

        try
        {
            // The HTTP stack connects to this name; Uri computes it lazily and throws for a name IDN cannot encode.
            _ = uri.IdnHost;
        }
        catch (UriFormatException)
        {
            throw new OtlpConfigurationException("The endpoint's host is not a valid internationalized domain name.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new OtlpConfigurationException("The endpoint must not carry credentials in the URL (user:password@); put them in a header such as Authorization.");
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            throw new OtlpConfigurationException("The endpoint must not have a fragment (#...).");
        }

        return uri;
    }

    /// <summary>The longest of the destination's durations (timeouts, delays, backoffs).</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>The largest queue or batch, in spans.</summary>
    internal const int MaxSpans = 1_000_000;

    private static void RequirePositive(TimeSpan value, string setting, string name, bool allowZero = false)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero) || value > MaxDuration)
        {
            throw new OtlpConfigurationException(
                $"Destination '{name}': {setting} must be {(allowZero ? "zero or more" : "more than zero")} and at most one hour, not {value}.");
        }
    }

    private static void RequireRange(int value, int min, int max, string setting, string name)
    {
        if (value < min || value > max)
        {
            throw new OtlpConfigurationException($"Destination '{name}': {setting} must be between {min} and {max}, not {value}.");
        }
    }
}

namespace OtlpBroadcast.Export;

/// <summary>
/// What exporters share: the resource they describe, the HTTP stack they send with, the clock they read and the
/// network policy their destinations must meet. Replace parts in tests (a handler, a <see cref="TimeProvider"/>) or in
/// hosts (an <c>IHttpClientFactory</c> client).
/// </summary>
public sealed class ExporterServices
{
    private static readonly Lazy<HttpMessageInvoker> SharedClient = new(() => new HttpMessageInvoker(DestinationNetworkPolicy.Unrestricted.CreateHandler(), disposeHandler: false));

    private readonly HttpMessageInvoker? _httpClient;
    private readonly DestinationNetworkPolicy _networkPolicy = DestinationNetworkPolicy.Unrestricted;

    /// <summary>Services with the default resource, a shared HTTP client and the system clock.</summary>
    public ExporterServices()
    {
    }

    /// <summary>The defaults.</summary>
    public static ExporterServices Default { get; } = new();

    /// <summary>The resource (service) of every exported span.</summary>
    public OtlpResource Resource { get; init; } = OtlpResource.Default;

    /// <summary>
    /// The HTTP client or handler. The default never follows redirects (a redirect could carry the destination's
    /// credentials to another host) and, when <see cref="NetworkPolicy"/> restricts, checks every address when it
    /// connects. A client given here must do the same: build its handler with
    /// <see cref="DestinationNetworkPolicy.CreateHandler"/> (the hosting package does).
    /// </summary>
    public HttpMessageInvoker HttpClient
    {
        get => _httpClient ?? (NetworkPolicy.RequirePublicAddresses ? NetworkPolicy.SharedClient : SharedClient.Value);
        init => _httpClient = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Which addresses destinations may reach; <see cref="DestinationNetworkPolicy.Unrestricted"/> by default. A
    /// multi-tenant gateway sets <see cref="DestinationNetworkPolicy.PublicAddressesOnly"/>: the registry then refuses
    /// destinations whose host is a refused IP literal or <c>localhost</c> when they are added, and exports and
    /// connection tests to a name that resolves to a refused address fail with <see cref="ExportOutcome.Refused"/>
    /// (counted as <see cref="DropReason.AddressRefused"/>).
    /// </summary>
    public DestinationNetworkPolicy NetworkPolicy
    {
        get => _networkPolicy;
        init => _networkPolicy = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Whether each destination's exporter runs on a thread of its own and sends synchronously, as OpenTelemetry .NET's
    /// batch exporters do. On by default, and only in effect with the SDK's own HTTP client (no
    /// <see cref="HttpClient"/> given): an exporter then waits for work and for each answer blocked on its thread,
    /// where an asynchronous send wakes a thread-pool thread for every answer, which then spins idle before it sleeps
    /// (measured in the end-to-end benchmark: about a fifth of the SDK's CPU per span with JSON). Turn it off when a
    /// registry holds many destinations (a multi-tenant gateway with one per user): each destination then costs a
    /// thread, where with it off they share the thread pool. With a client given here, exporters always send
    /// asynchronously on the thread pool: a <see cref="DelegatingHandler"/> that overrides only <c>SendAsync</c>
    /// (authentication, logging, resilience) would be passed by on a synchronous send.
    /// </summary>
    public bool DedicatedExportThreads { get; init; } = true;

    /// <summary>Whether exporters run on threads of their own and send synchronously (see
    /// <see cref="DedicatedExportThreads"/>): asked for, and the HTTP client is the SDK's own.</summary>
    internal bool ExportsOnOwnThreads => DedicatedExportThreads && _httpClient is null;

    /// <summary>The clock for timestamps, <c>Retry-After</c> dates and backoff delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Hears about export failures and dropped spans (a host logs them); <see langword="null"/>: nobody.</summary>
    public IExportEventListener? Events { get; init; }

    /// <summary>Services that send through <paramref name="handler"/> (tests, custom TLS, proxies).</summary>
    public static ExporterServices WithHandler(HttpMessageHandler handler, OtlpResource? resource = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new ExporterServices { HttpClient = new HttpMessageInvoker(handler, disposeHandler: false), Resource = resource ?? OtlpResource.Default };
    }
}

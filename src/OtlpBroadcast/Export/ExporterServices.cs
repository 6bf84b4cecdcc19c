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
    private readonly int _maxDedicatedExportThreads = 16;

    /// <summary>Exporters running on threads of their own now (see <see cref="MaxDedicatedExportThreads"/>).</summary>
    private int _exportThreadsInUse;

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
    /// How many exporters using these services may run on threads of their own at a time, sending synchronously, as
    /// OpenTelemetry .NET's batch exporters do; 16 by default, 0 for none. Only with the SDK's own HTTP client (no
    /// <see cref="HttpClient"/> given). Such an exporter waits for work and for each answer blocked on its thread,
    /// where an asynchronous send wakes a thread-pool thread for every answer, which then spins idle before it sleeps
    /// (the end-to-end benchmark measures both). Exporters beyond the limit (a multi-tenant gateway with a destination
    /// per user) share the thread pool and send asynchronously; an exporter's thread is given back when it shuts
    /// down, a destination replaced in a registry keeps its thread, and an exporter whose thread cannot be started (the
    /// process has no more) runs on the pool. The limit counts the exporters of every
    /// registry that uses this instance; <see cref="Default"/> is one instance for the whole process. With a client
    /// given here, every exporter sends asynchronously on the thread pool: a
    /// <see cref="DelegatingHandler"/> that overrides only <c>SendAsync</c> (authentication, logging, resilience)
    /// would be passed by on a synchronous send.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative number.</exception>
    public int MaxDedicatedExportThreads
    {
        get => _maxDedicatedExportThreads;
        init => _maxDedicatedExportThreads = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDedicatedExportThreads cannot be negative; 0 sends every exporter's spans from the thread pool.");
    }

    /// <summary>Takes one of the <see cref="MaxDedicatedExportThreads"/> for an exporter about to start, when the SDK's
    /// own client sends and one is free; give it back with <see cref="ReturnExportThread"/> once its loop has ended.
    /// <paramref name="takingOver"/>: the exporter replaces one that runs on a thread of its own with these services,
    /// and takes that thread over whatever the limit (the count stays one over it until the replaced loop has ended and
    /// given its own back).</summary>
    internal bool TryTakeExportThread(bool takingOver = false)
    {
        if (!UsesOwnClient)
        {
            return false;
        }

        if (takingOver)
        {
            Interlocked.Increment(ref _exportThreadsInUse);
            return true;
        }

        int inUse = Volatile.Read(ref _exportThreadsInUse);
        while (inUse < _maxDedicatedExportThreads)
        {
            int seen = Interlocked.CompareExchange(ref _exportThreadsInUse, inUse + 1, inUse);
            if (seen == inUse)
            {
                return true;
            }

            inUse = seen;
        }

        return false;
    }

    /// <summary>Whether exporters send with the SDK's own HTTP client (no <see cref="HttpClient"/> given).</summary>
    internal bool UsesOwnClient => _httpClient is null;

    /// <summary>Gives back a thread taken with <see cref="TryTakeExportThread"/>.</summary>
    internal void ReturnExportThread() => Interlocked.Decrement(ref _exportThreadsInUse);

    /// <summary>Exporters running on threads of their own now (taken and not yet given back), for tests.</summary>
    internal int ExportThreadsInUse => Volatile.Read(ref _exportThreadsInUse);

    /// <summary>Starts an exporter's thread; a test replaces it to see what happens when the process has no thread to
    /// give (<see cref="Thread.Start()"/> throws <see cref="OutOfMemoryException"/> or
    /// <see cref="ThreadStartException"/>: the exporter then runs on the thread pool).</summary>
    internal Action<Thread> StartExportThread { get; init; } = static thread => thread.UnsafeStart();

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

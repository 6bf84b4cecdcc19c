namespace OtlpBroadcast.Export;

/// <summary>
/// What exporters share: the resource they describe, the HTTP stack they send with and the clock they read.
/// Replace parts in tests (a handler, a <see cref="TimeProvider"/>) or in hosts (an <c>IHttpClientFactory</c> client).
/// </summary>
public sealed class ExporterServices
{
    private static readonly Lazy<HttpMessageInvoker> SharedClient = new(CreateDefaultClient);

    /// <summary>Services with the default resource, a shared HTTP client and the system clock.</summary>
    public ExporterServices()
    {
    }

    /// <summary>The defaults.</summary>
    public static ExporterServices Default { get; } = new();

    /// <summary>The resource (service) of every exported span.</summary>
    public OtlpResource Resource { get; init; } = OtlpResource.Default;

    /// <summary>The HTTP client or handler. The default never follows redirects: a redirect could carry the
    /// destination's credentials to another host.</summary>
    public HttpMessageInvoker HttpClient { get; init; } = SharedClient.Value;

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

    private static HttpMessageInvoker CreateDefaultClient() => new(
        new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        },
        disposeHandler: false);
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OtlpBroadcast;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers OtlpBroadcast in a service collection.</summary>
public static class OtlpBroadcastServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="System.Net.Http.IHttpClientFactory"/> client exporters send with (it never
    /// follows redirects, so credentials never travel to another host, and it enforces the network policy when it
    /// connects).</summary>
    public const string HttpClientName = "OtlpBroadcast";

    /// <summary>
    /// Registers <see cref="DestinationRegistry"/>, <see cref="GenerationBroadcaster"/> and <see cref="ExporterServices"/>
    /// (singletons), the HTTP client, the logging of export failures and drops, and a hosted service that sends what is
    /// queued when the application stops.
    /// </summary>
    public static IServiceCollection AddOtlpBroadcast(this IServiceCollection services, Action<OtlpBroadcastOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<OtlpBroadcastOptions> options = services.AddOptions<OtlpBroadcastOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>
    /// As <see cref="AddOtlpBroadcast(IServiceCollection, Action{OtlpBroadcastOptions})"/>, with the options bound from
    /// <paramref name="configuration"/> (e.g. <c>builder.Configuration.GetSection("OtlpBroadcast")</c>), then
    /// <paramref name="configure"/>.
    /// </summary>
    public static IServiceCollection AddOtlpBroadcast(this IServiceCollection services, IConfiguration configuration, Action<OtlpBroadcastOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        OptionsBuilder<OtlpBroadcastOptions> options = services.AddOptions<OtlpBroadcastOptions>().Configure(o => OtlpBroadcastConfigurationReader.Bind(configuration, o));
        services.AddSingleton<IOptionsChangeTokenSource<OtlpBroadcastOptions>>(new ConfigurationChangeTokenSource<OtlpBroadcastOptions>(configuration));
        services.AddSingleton<IValidateOptions<OtlpBroadcastOptions>>(new OtlpBroadcastConfigurationShapeValidator(configuration));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<OtlpBroadcastOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OtlpBroadcastOptions>, OtlpBroadcastOptionsValidator>());

        // One policy for the handler that enforces it at connect time and for the registry that checks destinations
        // as they are added. Register a DestinationNetworkPolicy before AddOtlpBroadcast to replace it (its resolver, say).
        services.TryAddSingleton(static sp => sp.GetRequiredService<IOptions<OtlpBroadcastOptions>>().Value.NetworkPolicy.ToPolicy());
        services.AddHttpClient(HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)

            // No redirects, no decompression, connections renewed every 2 minutes, and the policy's connect-time check.
            .ConfigurePrimaryHttpMessageHandler(static sp => sp.GetRequiredService<DestinationNetworkPolicy>().CreateHandler())

            // Exporters hold their client for the application's life; the pooled connection lifetime above renews DNS.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)

            // Request logging would add a line per export; failures are logged by OtlpBroadcast itself.
            .RemoveAllLoggers();

        services.TryAddSingleton(static sp => Build.ExporterServices(sp));
        services.TryAddSingleton(static sp => Build.Registry(sp));
        services.TryAddSingleton(static sp => new GenerationBroadcaster(
            sp.GetRequiredService<DestinationRegistry>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OtlpBroadcastLifetime>());
        return services;
    }

    private static class Build
    {
        public static ExporterServices ExporterServices(IServiceProvider sp)
        {
            OtlpBroadcastOptions options = sp.GetRequiredService<IOptions<OtlpBroadcastOptions>>().Value;
            TimeProvider time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            var resource = OtlpBroadcastOptionsValidator.Resource(options);
            var policy = sp.GetRequiredService<DestinationNetworkPolicy>();
            var events = new LoggingExportListener(Logger(sp), time);

            // With dedicated export threads, the SDK's own client (built by the policy): a synchronous send would pass
            // by the handlers of the named client, which is then not used.
            return options.MaxDedicatedExportThreads > 0
                ? new ExporterServices
                {
                    Resource = resource,
                    TimeProvider = time,
                    NetworkPolicy = policy,
                    Events = events,
                    MaxDedicatedExportThreads = options.MaxDedicatedExportThreads,
                }
                : new ExporterServices
                {
                    Resource = resource,
                    HttpClient = sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
                    TimeProvider = time,
                    NetworkPolicy = policy,
                    Events = events,
                    MaxDedicatedExportThreads = 0,
                };
        }

        public static DestinationRegistry Registry(IServiceProvider sp)
        {
            OtlpBroadcastOptions options = sp.GetRequiredService<IOptions<OtlpBroadcastOptions>>().Value;
            ILogger logger = Logger(sp);
            var registry = new DestinationRegistry(sp.GetRequiredService<ExporterServices>());
            foreach (OtlpDestination destination in OtlpBroadcastOptionsValidator.Destinations(options))
            {
                // Names are unique (validated), so nothing is replaced and adding completes at once.
                registry.AddAsync(destination).GetAwaiter().GetResult();
                OtlpBroadcastLog.DestinationAdded(
                    logger, destination.Name, OtlpBroadcastLog.SafeEndpoint(destination.Endpoint), destination.Headers.ToString(),
                    destination.PrivacyMode, destination.Enabled);
            }

            return registry;
        }

        private static ILogger Logger(IServiceProvider sp)
            => sp.GetService<ILoggerFactory>()?.CreateLogger(OtlpBroadcastLog.Category) ?? NullLogger.Instance;
    }
}

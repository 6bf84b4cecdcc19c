using OtlpBroadcast;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Hosting;
using OtlpBroadcast.Testing;

namespace Gateway;

/// <summary>Builds the gateway: its services, its destinations and its endpoints.</summary>
public static class GatewayApp
{
    /// <summary>
    /// Creates the application. Destinations come from configuration (<c>OtlpBroadcast:Destinations:N:*</c>) and the
    /// OTEL_* variables; with none, an embedded OTLP receiver on loopback is the destination and prints each trace
    /// it receives as a tree.
    /// </summary>
    public static Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, TextWriter? console = null)
        => BuildAsync(args, configure, console, registryCreated: null);

    /// <inheritdoc cref="BuildAsync(string[], Action{WebApplicationBuilder}?, TextWriter?)"/>
    /// <param name="args">The command line.</param>
    /// <param name="configure">Changes the builder before anything is read from it.</param>
    /// <param name="console">Where the embedded receiver prints; <see cref="Console.Out"/> when <see langword="null"/>.</param>
    /// <param name="registryCreated">Told of the registry as soon as it exists (tests watch what becomes of it).</param>
    internal static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure, TextWriter? console, Action<DestinationRegistry>? registryCreated)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        IConfiguration configuration = builder.Configuration;

        var services = new ExporterServices { Resource = Resource(configuration), NetworkPolicy = NetworkPolicy(configuration) };
        var registry = new DestinationRegistry(services);
        registryCreated?.Invoke(registry);
        EmbeddedBackend? embedded = null;
        WebApplication? app = null;
        try
        {
            foreach (OtlpDestination destination in ConfiguredDestinations(configuration))
            {
                await registry.AddAsync(destination);
            }

            if (registry.Exporters.Count == 0)
            {
                if (services.NetworkPolicy.RequirePublicAddresses)
                {
                    // The embedded receiver listens on loopback, which the policy refuses: users add their own destinations.
                    await (console ?? Console.Out).WriteLineAsync("No destination configured, and the network policy refuses the embedded receiver on loopback: add destinations through /admin/destinations.");
                }
                else
                {
                    embedded = await EmbeddedBackend.StartAsync(registry, console ?? Console.Out);
                }
            }

            builder.Services.AddSingleton(services);
            builder.Services.AddSingleton(registry);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(sp => new GenerationBroadcaster(sp.GetRequiredService<DestinationRegistry>(), sp.GetRequiredService<TimeProvider>()));
            builder.Services.AddSingleton<IModelProvider>(sp => CreateProvider(configuration, sp.GetRequiredService<TimeProvider>()));
            if (embedded is not null)
            {
                builder.Services.AddSingleton(embedded);
            }

            app = builder.Build();
            ChatApi.Map(app);
            AdminApi.Map(app);
            app.Lifetime.ApplicationStopping.Register(() =>
            {
                // Short-lived processes lose spans unless the exporter flushes on the way out.
                registry.FlushAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            });
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
                embedded?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            });
            return app;
        }
        catch
        {
            // Each destination's exporter runs from when it was added: a gateway that fails to start (an invalid or
            // duplicate destination further on, a service the host cannot build) must not leave them, or the embedded
            // receiver, running in a process that goes on (a host that retries, a test). The original exception says
            // what went wrong, so it goes on unchanged.
            await DisposeQuietlyAsync(app, registry, embedded);
            throw;
        }
    }

    /// <summary>Disposes what a build that failed had started, in the order the application's stop would. A failure to
    /// dispose one is not thrown (nor does it keep the others running): it would hide the exception that stopped the build.</summary>
    private static async Task DisposeQuietlyAsync(params IAsyncDisposable?[] started)
    {
        foreach (IAsyncDisposable? disposable in started)
        {
            try
            {
                if (disposable is not null)
                {
                    await disposable.DisposeAsync();
                }
            }
            catch (Exception)
            {
                // The build's own exception is what the caller needs; this one is the consequence of it.
            }
        }
    }

    /// <summary>
    /// The spans' resource: <c>service.name</c> from <c>OtlpBroadcast:ServiceName</c>, else <c>OTEL_SERVICE_NAME</c>, else
    /// <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c>, else <c>otlpbroadcast-gateway</c> (empty or blank counts as
    /// not set, as in AddOtlpBroadcast); the other attributes of <c>OTEL_RESOURCE_ATTRIBUTES</c>. The variables are read
    /// from configuration (the environment, the command line), as the <c>OTEL_EXPORTER_OTLP_*</c> ones are.
    /// </summary>
    internal static OtlpResource Resource(IConfiguration configuration)
    {
        OtlpEnvironmentSettings environment = OtlpEnvironment.Read(name => configuration[name]);
        string? configured = configuration["OtlpBroadcast:ServiceName"];
        string serviceName = !string.IsNullOrWhiteSpace(configured) ? configured : environment.ServiceName ?? "otlpbroadcast-gateway";
        return new OtlpResource(serviceName, environment.ResourceAttributes.Select(a => new SpanAttribute(a.Key, a.Value)));
    }

    /// <summary>
    /// The network policy from <c>OtlpBroadcast:NetworkPolicy:RequirePublicAddresses</c> (default false) and
    /// <c>OtlpBroadcast:NetworkPolicy:AllowedHosts:N</c>. Turn it on when users who should not reach the gateway's own
    /// network add destinations through the admin API: destinations on loopback, private, link-local or metadata
    /// addresses are then refused when added (IP literals, localhost) and whenever a connection is made.
    /// </summary>
    internal static DestinationNetworkPolicy NetworkPolicy(IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection("OtlpBroadcast:NetworkPolicy");
        string? setting = section["RequirePublicAddresses"];
        bool requirePublic = false;
        if (setting is not null && !bool.TryParse(setting, out requirePublic))
        {
            // A typo must not leave a multi-tenant gateway open without anyone noticing.
            throw new OtlpConfigurationException("OtlpBroadcast:NetworkPolicy:RequirePublicAddresses must be true or false.");
        }

        string[] allowed = [.. section.GetSection("AllowedHosts").GetChildren().Select(c => c.Value).OfType<string>()];
        return requirePublic || allowed.Length > 0
            ? new DestinationNetworkPolicy { RequirePublicAddresses = requirePublic, AllowedHosts = allowed }
            : DestinationNetworkPolicy.Unrestricted;
    }

    /// <summary>Destinations from <c>OtlpBroadcast:Destinations</c>, then from the OTEL_* variables if they name an endpoint.</summary>
    /// <exception cref="OtlpConfigurationException">One is invalid, or two share a name (the registry would keep only
    /// the last).</exception>
    internal static IEnumerable<OtlpDestination> ConfiguredDestinations(IConfiguration configuration)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (IConfigurationSection section in configuration.GetSection("OtlpBroadcast:Destinations").GetChildren())
        {
            yield return Unique(names, Create(section, Read(section)));
        }

        OtlpEnvironmentSettings environment = OtlpEnvironment.Read(name => configuration[name]);
        if (environment is { TracesEndpoint: not null, SdkDisabled: false })
        {
            yield return Unique(names, OtlpDestination.Create(new OtlpDestinationOptions { Name = "otel-environment" }.ApplyEnvironment(environment)));
        }
    }

    /// <summary>
    /// A destination's settings, read as <c>AddOtlpBroadcast</c> of OtlpBroadcast.Hosting reads them (the same keys,
    /// formats and messages), except that <c>Protocol</c> and <c>Compression</c> are read as the admin API reads them
    /// (either spelling, as the hosting package takes them, but <c>grpc</c> refused here with the admin API's message)
    /// and a destination without a <c>Name</c> takes its key, an index included.
    /// </summary>
    /// <exception cref="OtlpConfigurationException">A key is not a setting (ignored, a misspelt <c>PrivacyMode</c> would
    /// leave privacy off and misspelt <c>Headers</c> the credentials out, silently), or a value does not convert to its
    /// setting; the message names the key, never its value (which may be a credential).</exception>
    private static OtlpDestinationOptions Read(IConfigurationSection section)
    {
        OtlpProtocol protocol = WireSettings.Protocol(section["Protocol"], section.Path + ":Protocol");
        OtlpCompression compression = WireSettings.Compression(section["Compression"], section.Path + ":Compression");
        OtlpDestinationOptions options = OtlpBroadcastDestinationOptions.FromConfiguration(Without(section, "Protocol", "Compression")).ToDestinationOptions();
        options.Name = section["Name"] ?? section.Key;
        options.Protocol = protocol;
        options.Compression = compression;
        return options;
    }

    /// <summary>A copy of <paramref name="section"/>, at the same path (messages name the same keys), without the
    /// values of <paramref name="keys"/>.</summary>
    private static IConfigurationSection Without(IConfigurationSection section, params string[] keys)
    {
        string[] paths = [.. keys.Select(key => ConfigurationPath.Combine(section.Path, key))];
        return new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable().Where(setting => !paths.Contains(setting.Key, StringComparer.OrdinalIgnoreCase)))
            .Build()
            .GetSection(section.Path);
    }

    /// <exception cref="OtlpConfigurationException">The destination is invalid; the message starts with its key and name
    /// (with several destinations, "Headers are not valid JSON" alone does not say which).</exception>
    private static OtlpDestination Create(IConfigurationSection section, OtlpDestinationOptions options)
    {
        try
        {
            return OtlpDestination.Create(options);
        }
        catch (OtlpConfigurationException exception)
        {
            throw new OtlpConfigurationException($"{section.Path} ('{options.Name}'): {exception.Message}", exception);
        }
    }

    private static OtlpDestination Unique(HashSet<string> names, OtlpDestination destination) => names.Add(destination.Name)
        ? destination
        : throw new OtlpConfigurationException($"Two destinations are named '{destination.Name}'; names must be unique.");

    private static IModelProvider CreateProvider(IConfiguration configuration, TimeProvider time)
    {
        string? baseUrl = configuration["Gateway:Upstream:BaseUrl"];
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            return new DeterministicProvider(time);
        }

        var client = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (configuration["Gateway:Upstream:ApiKey"] is { Length: > 0 } key)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return new UpstreamProvider(client, configuration["Gateway:Upstream:Provider"] ?? "openai");
    }
}

/// <summary>The embedded default backend: a loopback OTLP receiver that prints each trace it receives as a tree.</summary>
public sealed class EmbeddedBackend : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _printer;

    private EmbeddedBackend(OtlpTestReceiver receiver, TextWriter console)
    {
        Receiver = receiver;
        _printer = Task.Run(() => PrintLoopAsync(console, _stop.Token));
    }

    /// <summary>The receiver.</summary>
    public OtlpTestReceiver Receiver { get; }

    /// <summary>Starts the receiver and adds it to <paramref name="registry"/> as the destination <c>embedded</c>.</summary>
    public static async Task<EmbeddedBackend> StartAsync(DestinationRegistry registry, TextWriter console)
    {
        OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await registry.AddAsync(OtlpDestination.Create(new OtlpDestinationOptions
        {
            Name = "embedded",
            Endpoint = receiver.TracesEndpoint.AbsoluteUri,
            ScheduledDelay = TimeSpan.FromMilliseconds(200),
        }));
        await console.WriteLineAsync($"No destination configured: spans go to the embedded OTLP receiver at {receiver.TracesEndpoint}");
        return new EmbeddedBackend(receiver, console);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _printer;
        }
        catch (OperationCanceledException)
        {
        }

        await Receiver.DisposeAsync();
        _stop.Dispose();
    }

    private async Task PrintLoopAsync(TextWriter console, CancellationToken cancellationToken)
    {
        int printed = 0;
        int seen = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            IReadOnlyList<ReceivedSpan> spans = Receiver.Spans;

            // Print once a batch has settled (no new span in the last tick), so a trace is shown whole.
            if (spans.Count > printed && spans.Count == seen)
            {
                await console.WriteLineAsync(TraceTreePrinter.Render(spans.Skip(printed)));
                printed = spans.Count;
            }

            seen = spans.Count;
        }
    }
}

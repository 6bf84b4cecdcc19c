using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Shared;

namespace OtlpBroadcast.Hosting.Tests;

public class HostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string Canary = "c4n4ry-hosting-5a4b3c2d1e";

    [Fact]
    public async Task DependencyInjectionResolvesEveryPiece()
    {
        using IHost host = BuildHost(o => o.AddDestination(new OtlpDestinationOptions { Name = "local", Endpoint = "http://127.0.0.1:4318/v1/traces" }));
        IServiceProvider services = host.Services;

        var registry = services.GetRequiredService<DestinationRegistry>();
        var broadcaster = services.GetRequiredService<GenerationBroadcaster>();
        var exporterServices = services.GetRequiredService<ExporterServices>();

        Assert.Same(registry, broadcaster.Destinations);
        Assert.Same(registry, services.GetRequiredService<DestinationRegistry>());
        Assert.Equal("local", Assert.Single(registry.List()).Name);
        Assert.IsType<HttpClient>(exporterServices.HttpClient);
        Assert.Equal(0, exporterServices.MaxDedicatedExportThreads);
        Assert.NotNull(exporterServices.Events);
        Assert.Contains(services.GetServices<IHostedService>(), s => s is OtlpBroadcastLifetime);
        Assert.NotNull(services.GetRequiredService<IHttpClientFactory>().CreateClient(OtlpBroadcastServiceCollectionExtensions.HttpClientName));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task CallingAddOtlpBroadcastTwiceRegistersOneOfEach()
    {
        var services = new ServiceCollection();
        services.AddOtlpBroadcast().AddOtlpBroadcast();
        Assert.Single(services, d => d.ServiceType == typeof(DestinationRegistry));
        Assert.Single(services, d => d.ImplementationType == typeof(OtlpBroadcastLifetime));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task BindsTheMissionsAxiomStyleDestinationFromJsonConfiguration()
    {
        string json = $$"""
        {
          "OtlpBroadcast": {
            "ServiceName": "my-gateway",
            "ResourceAttributes": { "deployment.environment": "staging" },
            "ShutdownTimeout": "00:00:07",
            "Destinations": [
              {
                "Name": "axiom",
                "Endpoint": "https://api.axiom.co/v1/traces",
                "HeadersJson": "{\"Authorization\":\"Bearer xaat-{{Canary}}\",\"X-Axiom-Dataset\":\"my-dataset\"}",
                "PrivacyMode": true,
                "Timeout": "00:00:03",
                "MaxExportBatchSize": 64,
                "Broadcast": { "SamplingRate": 0.5, "ContentFormat": "RouterCompatible", "MaxContentLength": 100, "IncludeModels": [ "openai/*" ] }
              },
              {
                "Name": "collector",
                "Endpoint": "http://127.0.0.1:4318/v1/traces",
                "Headers": { "X-Team": "a" },
                "Enabled": false,
                "Protocol": "HttpProtobuf"
              }
            ]
          }
        }
        """;
        IConfiguration configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddOtlpBroadcast(configuration.GetSection("OtlpBroadcast"));
        // The registry only disposes asynchronously (it flushes), as the generic host disposes its services.
        await using ServiceProvider provider = services.BuildServiceProvider();

        OtlpBroadcastOptions options = provider.GetRequiredService<IOptions<OtlpBroadcastOptions>>().Value;
        Assert.Equal("my-gateway", options.ServiceName);
        Assert.Equal(TimeSpan.FromSeconds(7), options.ShutdownTimeout);
        Assert.Equal("staging", options.ResourceAttributes["deployment.environment"]);

        var registry = provider.GetRequiredService<DestinationRegistry>();
        OtlpDestination axiom = registry.Find("axiom")!;
        Assert.Equal(new Uri("https://api.axiom.co/v1/traces"), axiom.Endpoint);
        Assert.Equal(["Authorization", "X-Axiom-Dataset"], axiom.Headers.Names);
        Assert.True(
            options.Destinations[0].HeadersJson == $$"""{"Authorization":"Bearer xaat-{{Canary}}","X-Axiom-Dataset":"my-dataset"}""",
            "HeadersJson was not bound verbatim");
        Assert.True(axiom.PrivacyMode);
        Assert.Equal(TimeSpan.FromSeconds(3), axiom.Timeout);
        Assert.Equal(64, axiom.MaxExportBatchSize);
        Assert.Equal(0.5, axiom.Broadcast.SamplingRate);
        Assert.Equal(ContentFormat.RouterCompatible, axiom.Broadcast.ContentFormat);
        Assert.Equal(100, axiom.Broadcast.MaxContentLength);
        Assert.Equal(["openai/*"], axiom.Broadcast.IncludeModels);

        Assert.Equal(OtlpProtocol.HttpJson, axiom.Protocol);

        OtlpDestination collector = registry.Find("collector")!;
        Assert.False(collector.Enabled);
        Assert.Equal(["X-Team"], collector.Headers.Names);
        Assert.Equal(OtlpProtocol.HttpProtobuf, collector.Protocol);
        Assert.Equal(SpanEncoding.Protobuf, collector.Encoding);

        OtlpResource resource = provider.GetRequiredService<ExporterServices>().Resource;
        Assert.Equal("my-gateway", resource.ServiceName);
        Assert.Contains(resource.Attributes, a => a.Key == "deployment.environment");
    }

    [Fact]
    public async Task AnInvalidDestinationFailsStartWithAMessageThatQuotesNoSecret()
    {
        using IHost host = BuildHost(o => o.Destinations.Add(new OtlpBroadcastDestinationOptions
        {
            Name = "bad",
            Endpoint = "https://api.axiom.co/v1/traces",
            HeadersJson = $$"""{"Authorization":"Bearer {{Canary}}""",
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.False(error.Message.Contains(Canary, StringComparison.Ordinal), "the secret appears in the validation message");
    }

    [Theory]
    [InlineData("\"HeadersJson\": \"{\\\"Authorization\\\":\\\"Bearer " + Canary + "\"")]
    [InlineData("\"Headers\": { \"Host\": \"collector.example.com\" }")]
    [InlineData("\"Headers\": { \"Authorization\": \"Bearer " + Canary + "\\u0001\" }")]
    [InlineData("\"HeadersJson\": \"{\\\"Authorization\\\":\\\"a\\\"}\", \"Headers\": { \"authorization\": \"b\" }")]
    public async Task WithSeveralDestinationsTheErrorSaysWhichOneIsInvalid(string setting)
    {
        // "Headers are not valid JSON" or "The endpoint must use http or https" did not say which destination was meant.
        using IHost host = BuildHostFromJson($$"""
        { "OtlpBroadcast": { "Destinations": [
            { "Name": "first", "Endpoint": "http://127.0.0.1:4318/v1/traces" },
            { "Name": "second", "Endpoint": "https://collector.example.com/v1/traces", {{setting}} } ] } }
        """);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Destination 'second' (Destinations:1)", error.Message, StringComparison.Ordinal);
        Assert.False(error.Message.Contains(Canary, StringComparison.Ordinal), "the message quotes a header value");
    }

    public static TheoryData<string, string> UnusableProtocols => new()
    {
        // The binder refuses a name that is no OtlpProtocol member, naming the key, before the validator runs.
        { "Protobuf", "'OtlpBroadcast:Destinations:0:Protocol'" },
        { "Grpc", "Destination 'tempo': Protocol grpc is not supported" },
        { "7", "Destination 'tempo': Protocol 7 is not supported" },

        // OpenTelemetry's spellings read as the enum's names: grpc binds as Grpc does, and is refused as Grpc is.
        { "grpc", "Destination 'tempo': Protocol grpc is not supported" },
        { "GRPC", "Destination 'tempo': Protocol grpc is not supported" },
        { "http/xml", "'OtlpBroadcast:Destinations:0:Protocol'" },
    };

    [Theory]
    [MemberData(nameof(UnusableProtocols))]
    public async Task AnUnusableProtocolInConfigurationFailsStartNamingTheKey(string protocol, string expected)
    {
        using IHost host = BuildHostFromJson($$"""
        { "OtlpBroadcast": { "Destinations": [ { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", "Protocol": "{{protocol}}" } ] } }
        """);

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"Privacy\": true", "'Privacy'")]
    [InlineData("\"PrivacyMod\": true", "'PrivacyMod'")]
    [InlineData("\"Header\": { \"Authorization\": \"Bearer " + Canary + "\" }", "'Header'")]
    [InlineData("\"Broadcast\": { \"SampleRate\": 0.1 }", "'SampleRate'")]
    public async Task AnUnknownKeyInConfigurationFailsStartNamingItInsteadOfBeingIgnored(string setting, string expected)
    {
        // Ignored, a misspelt PrivacyMode left privacy off, and misspelt headers left the credentials out, silently.
        using IHost host = BuildHostFromJson($$"""
        { "OtlpBroadcast": { "Destinations": [ { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", {{setting}} } ] } }
        """);

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(error.Message.Contains(Canary, StringComparison.Ordinal), "the message quotes a header value");
    }

    public static TheoryData<string, string> SingleValuesWhereAListOrSectionBelongs => new()
    {
        // An environment variable holds one value: OtlpBroadcast__Destinations__0__Broadcast__IncludeModels=openai/*
        // or OtlpBroadcast__Destinations__0__Headers=Authorization=Bearer … The binder ignored such a value, so the model
        // filter let every model through and the destination went without its credentials.
        { "\"Broadcast\": { \"IncludeModels\": \"openai/*\" }", "OtlpBroadcast:Destinations:0:Broadcast:IncludeModels" },
        { "\"Headers\": \"Authorization=Bearer " + Canary + "\"", "OtlpBroadcast:Destinations:0:Headers" },
        { "\"Broadcast\": \"" + Canary + "\"", "OtlpBroadcast:Destinations:0:Broadcast" },
    };

    [Theory]
    [MemberData(nameof(SingleValuesWhereAListOrSectionBelongs))]
    public async Task ASingleValueWhereAListOrSectionBelongsFailsStartNamingTheKeyInsteadOfBeingIgnored(string setting, string expected)
    {
        using IHost host = BuildHostFromJson($$"""
        { "OtlpBroadcast": { "Destinations": [ { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", {{setting}} } ] } }
        """);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected + " ", error.Message, StringComparison.Ordinal);
        Assert.False(error.Message.Contains(Canary, StringComparison.Ordinal), "the message quotes the value");
    }

    [Theory]
    [InlineData("""{ "OtlpBroadcast": { "Destinations": "x" } }""", "OtlpBroadcast:Destinations ")]
    [InlineData("""{ "OtlpBroadcast": { "ResourceAttributes": "deployment.environment=staging" } }""", "OtlpBroadcast:ResourceAttributes ")]
    [InlineData("""{ "OtlpBroadcast": { "NetworkPolicy": { "AllowedHosts": "collector.internal" } } }""", "OtlpBroadcast:NetworkPolicy:AllowedHosts ")]
    public async Task ASingleValueWhereAListOrSectionBelongsAtTheTopFailsStart(string json, string expected)
    {
        using IHost host = BuildHostFromJson(json);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyListsAndEmptyValuesStillMeanNothingIsSet()
    {
        using IHost host = BuildHostFromJson("""
        { "OtlpBroadcast": { "ResourceAttributes": {}, "NetworkPolicy": { "AllowedHosts": [] },
            "Destinations": [ { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", "Headers": {}, "Broadcast": { "IncludeModels": [] } } ] } }
        """);

        await host.StartAsync();
        Assert.Equal("tempo", Assert.Single(host.Services.GetRequiredService<DestinationRegistry>().List()).Name);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Timeout")]
    [InlineData("PrivacyMode")]
    [InlineData("MaxQueueSize")]
    [InlineData("Protocol")]
    public async Task AValueThatDoesNotConvertFailsStartNamingTheKeyButNeverQuotingTheValue(string key)
    {
        // A credential pasted under the wrong key (or the wrong index of an environment variable) is still a credential:
        // the binder's message quoted it ("Failed to convert configuration value 'Bearer …' at …"), and so did its inner
        // FormatException.
        using IHost host = BuildHostFromJson($$"""
        { "OtlpBroadcast": { "Destinations": [ { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", "{{key}}": "Bearer {{Canary}}" } ] } }
        """);

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains($"'OtlpBroadcast:Destinations:0:{key}'", error.Message, StringComparison.Ordinal);
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            Assert.False(e.Message.Contains(Canary, StringComparison.Ordinal), $"the value appears in a {e.GetType().Name}'s message");
        }
    }

    [Fact]
    public void ADestinationSectionReadsAsAddOtlpBroadcastReadsItsDestinations()
    {
        IConfigurationSection section = DestinationSection("""
            "tempo": { "Endpoint": "http://127.0.0.1:4318/v1/traces", "Headers": { "X-Team": "core" }, "Protocol": "httpprotobuf",
                       "Timeout": "00:00:03", "MaxQueueSize": 64, "Broadcast": { "MaxContentLength": 100, "IncludeModels": [ "openai/*" ] } }
            """, "tempo");

        OtlpDestination destination = OtlpDestination.Create(OtlpBroadcastDestinationOptions.FromConfiguration(section).ToDestinationOptions());

        Assert.Equal("tempo", destination.Name);
        Assert.Equal(["X-Team"], destination.Headers.Names);
        Assert.Equal(OtlpProtocol.HttpProtobuf, destination.Protocol);
        Assert.Equal(TimeSpan.FromSeconds(3), destination.Timeout);
        Assert.Equal(64, destination.MaxQueueSize);
        Assert.Equal(100, destination.Broadcast.MaxContentLength);
        Assert.Equal(["openai/*"], destination.Broadcast.IncludeModels);
    }

    [Theory]
    [InlineData("\"Privacy\": \"Bearer " + Canary + "\"", "OtlpBroadcast:Destinations:0:Privacy is not a destination setting; ")]
    [InlineData("\"Broadcast\": { \"SampleRate\": \"" + Canary + "\" }", "OtlpBroadcast:Destinations:0:Broadcast:SampleRate is not a Broadcast setting; ")]
    [InlineData("\"Timeout\": \"Bearer " + Canary + "\"", "The value at 'OtlpBroadcast:Destinations:0:Timeout' does not convert to System.TimeSpan ")]
    [InlineData("\"Headers\": \"Authorization=Bearer " + Canary + "\"", "OtlpBroadcast:Destinations:0:Headers must be a section ")]
    public void ADestinationSectionThatDoesNotReadIsRefusedNamingTheKeyButNeverQuotingTheValue(string setting, string expected)
    {
        IConfigurationSection section = DestinationSection($$"""
            "0": { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", {{setting}} }
            """, "0");

        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpBroadcastDestinationOptions.FromConfiguration(section));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            Assert.False(e.Message.Contains(Canary, StringComparison.Ordinal), $"the value appears in a {e.GetType().Name}'s message");
        }
    }

    public static TheoryData<string, string, OtlpProtocol, OtlpCompression> WireSpellings => new()
    {
        // OTEL_EXPORTER_OTLP_PROTOCOL's and OTEL_EXPORTER_OTLP_COMPRESSION's spellings, any case, and the enum's names.
        { "http/protobuf", "gzip", OtlpProtocol.HttpProtobuf, OtlpCompression.Gzip },
        { "HTTP/JSON", "none", OtlpProtocol.HttpJson, OtlpCompression.None },
        { "Http/Protobuf", "GZIP", OtlpProtocol.HttpProtobuf, OtlpCompression.Gzip },
        { "HttpProtobuf", "Gzip", OtlpProtocol.HttpProtobuf, OtlpCompression.Gzip },
        { "httpjson", "NONE", OtlpProtocol.HttpJson, OtlpCompression.None },
    };

    [Theory]
    [MemberData(nameof(WireSpellings))]
    public async Task ProtocolAndCompressionInConfigurationTakeOpenTelemetrysSpellings(string protocol, string compression, OtlpProtocol expectedProtocol, OtlpCompression expectedCompression)
    {
        // "Protocol": "http/protobuf", as OTEL_EXPORTER_OTLP_PROTOCOL spells it, did not convert and failed start-up.
        string json = $$"""
        { "OtlpBroadcast": { "Destinations": [
            { "Name": "first", "Endpoint": "http://127.0.0.1:4318/v1/traces" },
            { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", "Protocol": "{{protocol}}", "Compression": "{{compression}}" } ] } }
        """;
        IConfiguration configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        using IHost host = HostWith(services => services.AddOtlpBroadcast(configuration.GetSection("OtlpBroadcast")), logs: null);

        await host.StartAsync();
        OtlpDestination tempo = Assert.Single(OtlpBroadcastOptionsValidator.Destinations(host.Services.GetRequiredService<IOptions<OtlpBroadcastOptions>>().Value), d => d.Name == "tempo");
        Assert.Equal(expectedProtocol, tempo.Protocol);
        Assert.Equal(expectedCompression, tempo.Compression);
        Assert.Equal(protocol, configuration["OtlpBroadcast:Destinations:1:Protocol"]);
        Assert.Equal(compression, configuration["OtlpBroadcast:Destinations:1:Compression"]);
        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(WireSpellings))]
    public void ADestinationSectionTakesOpenTelemetrysSpellingsOfProtocolAndCompression(string protocol, string compression, OtlpProtocol expectedProtocol, OtlpCompression expectedCompression)
    {
        IConfigurationSection section = DestinationSection($$"""
            "tempo": { "Endpoint": "http://127.0.0.1:4318/v1/traces", "Protocol": "{{protocol}}", "Compression": "{{compression}}" }
            """, "tempo");

        OtlpBroadcastDestinationOptions options = OtlpBroadcastDestinationOptions.FromConfiguration(section);

        Assert.Equal("tempo", options.Name);
        Assert.Equal(expectedProtocol, options.Protocol);
        Assert.Equal(expectedCompression, options.Compression);
        Assert.Equal(protocol, section["Protocol"]);
    }

    [Fact]
    public async Task EnvironmentVariablesKeyedByNameTakeOpenTelemetrysSpellings()
    {
        // OtlpBroadcast__Destinations__axiom__Protocol=http/protobuf, as the environment variables provider gives it.
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OtlpBroadcast:Destinations:axiom:Endpoint"] = "http://127.0.0.1:4318/v1/traces",
            ["OtlpBroadcast:Destinations:axiom:Protocol"] = "http/protobuf",
            ["OtlpBroadcast:Destinations:axiom:Compression"] = "gzip",
            ["OtlpBroadcast:Destinations:tempo:Name"] = "grafana",
            ["OtlpBroadcast:Destinations:tempo:Endpoint"] = "http://127.0.0.1:4319/v1/traces",
            ["OtlpBroadcast:Destinations:tempo:Protocol"] = "HTTP/JSON",
            ["OtlpBroadcast:Destinations:tempo:Compression"] = "None",
        }).Build();
        using IHost host = HostWith(services => services.AddOtlpBroadcast(configuration.GetSection("OtlpBroadcast")), logs: null);

        await host.StartAsync();
        List<OtlpDestination> destinations = OtlpBroadcastOptionsValidator.Destinations(host.Services.GetRequiredService<IOptions<OtlpBroadcastOptions>>().Value);
        Assert.Equal(["axiom", "grafana"], destinations.Select(d => d.Name));
        Assert.Equal([OtlpProtocol.HttpProtobuf, OtlpProtocol.HttpJson], destinations.Select(d => d.Protocol));
        Assert.Equal([OtlpCompression.Gzip, OtlpCompression.None], destinations.Select(d => d.Compression));
        await host.StopAsync();
    }

    [Fact]
    public void AReloadedConfigurationIsReadInOpenTelemetrysSpellingsToo()
    {
        // The options monitor binds again on a reload, through a new overlay of the configuration as it is then.
        var values = new Dictionary<string, string?>
        {
            ["OtlpBroadcast:Destinations:tempo:Endpoint"] = "http://127.0.0.1:4318/v1/traces",
            ["OtlpBroadcast:Destinations:tempo:Protocol"] = "http/json",
        };
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddOtlpBroadcast(configuration.GetSection("OtlpBroadcast")).BuildServiceProvider();
        IOptionsMonitor<OtlpBroadcastOptions> monitor = services.GetRequiredService<IOptionsMonitor<OtlpBroadcastOptions>>();
        Assert.Equal(OtlpProtocol.HttpJson, Assert.Single(monitor.CurrentValue.Destinations).Protocol);

        configuration["OtlpBroadcast:Destinations:tempo:Protocol"] = "http/protobuf";
        configuration["OtlpBroadcast:Destinations:tempo:Compression"] = "gzip";
        configuration.Reload();

        OtlpBroadcastDestinationOptions tempo = Assert.Single(monitor.CurrentValue.Destinations);
        Assert.Equal("tempo", tempo.Name);
        Assert.Equal(OtlpProtocol.HttpProtobuf, tempo.Protocol);
        Assert.Equal(OtlpCompression.Gzip, tempo.Compression);
    }

    [Theory]
    [InlineData("Protocol", "http/xml")]
    [InlineData("Protocol", "Bearer " + Canary)]
    [InlineData("Compression", "deflate")]
    [InlineData("Compression", "Bearer " + Canary)]
    public async Task AProtocolOrCompressionInNoSpellingFailsNamingTheKeyButNeverQuotingTheValue(string key, string value)
    {
        // Beside a setting in OpenTelemetry's spelling, which the reader reads through an overlay of the configuration:
        // the message still names the key by its full path.
        string other = key == "Protocol" ? "\"Compression\": \"gzip\"" : "\"Protocol\": \"http/protobuf\"";
        using IHost host = BuildHostFromJson($$"""
        { "OtlpBroadcast": { "Destinations": [ { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", {{other}}, "{{key}}": "{{value}}" } ] } }
        """);
        IConfigurationSection section = DestinationSection($$"""
            "0": { "Name": "tempo", "Endpoint": "http://127.0.0.1:4318/v1/traces", {{other}}, "{{key}}": "{{value}}" }
            """, "0");

        Exception hosted = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Exception read = Assert.Throws<OtlpConfigurationException>(() => OtlpBroadcastDestinationOptions.FromConfiguration(section));

        foreach (Exception error in (Exception[])[hosted, read])
        {
            Assert.Contains($"'OtlpBroadcast:Destinations:0:{key}' does not convert", error.Message, StringComparison.Ordinal);
            for (Exception? e = error; e is not null; e = e.InnerException)
            {
                Assert.False(e.Message.Contains(value, StringComparison.Ordinal), $"the value appears in a {e.GetType().Name}'s message");
            }
        }
    }

    /// <summary>The section <c>OtlpBroadcast:Destinations:<paramref name="key"/></c> of a configuration whose destinations
    /// are <paramref name="destinations"/> (JSON members).</summary>
    private static IConfigurationSection DestinationSection(string destinations, string key)
        => new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes($$"""{ "OtlpBroadcast": { "Destinations": { {{destinations}} } } }""")))
            .Build()
            .GetSection("OtlpBroadcast:Destinations:" + key);

    [Fact]
    public async Task DedicatedExportThreadsSendWithTheSdksOwnClientAndSpansStillArrive()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using IHost host = BuildHostFromJson($$"""
            { "OtlpBroadcast": { "MaxDedicatedExportThreads": 4, "Destinations": { "receiver": { "Endpoint": "{{receiver.TracesEndpoint.AbsoluteUri}}" } } } }
            """);
        await host.StartAsync();

        // Not the named IHttpClientFactory client: its handlers would be passed by on a synchronous send.
        var exporterServices = host.Services.GetRequiredService<ExporterServices>();
        Assert.Equal(4, exporterServices.MaxDedicatedExportThreads);
        Assert.IsNotType<HttpClient>(exporterServices.HttpClient);

        var broadcaster = host.Services.GetRequiredService<GenerationBroadcaster>();
        var request = new ChatCompletionRequest
        {
            Model = "openai/gpt-4o",
            Messages = [new ChatMessage { Role = "user", Content = "Hello!" }],
        };
        broadcaster.StartChat(request, provider: "openai").CompleteChat(new ChatCompletionResponse { Id = "r1", Model = "gpt-4o" });
        await host.StopAsync();

        Assert.Equal(2, receiver.Spans.Count);
    }

    [Fact]
    public async Task ANegativeNumberOfDedicatedExportThreadsFailsStartNamingTheKey()
    {
        using IHost host = BuildHost(o => o.MaxDedicatedExportThreads = -1);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("MaxDedicatedExportThreads must not be negative", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMisspeltTopLevelKeyFailsStart()
    {
        using IHost host = BuildHostFromJson("""{ "OtlpBroadcast": { "UseOtelEnviroment": true } }""");

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("'UseOtelEnviroment'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DestinationsKeyedByNameTakeTheKeyAsTheirNameAsInTheGateway()
    {
        // OtlpBroadcast__Destinations__axiom__Endpoint=…: both destinations were named "default", and start-up failed on
        // the duplicate name. A Name given still wins, and destinations keyed by index keep the default name.
        using IHost host = BuildHostFromJson("""
        { "OtlpBroadcast": { "Destinations": {
            "axiom": { "Endpoint": "http://127.0.0.1:4318/v1/traces" },
            "tempo": { "Name": "grafana", "Endpoint": "http://127.0.0.1:4319/v1/traces" } } } }
        """);
        using IHost indexed = BuildHostFromJson("""
        { "OtlpBroadcast": { "Destinations": [ { "Endpoint": "http://127.0.0.1:4318/v1/traces" } ] } }
        """);

        await host.StartAsync();
        Assert.Equal(["axiom", "grafana"], host.Services.GetRequiredService<DestinationRegistry>().List().Select(d => d.Name).Order());
        Assert.Equal("default", Assert.Single(indexed.Services.GetRequiredService<DestinationRegistry>().List()).Name);
        await host.StopAsync();
    }

    [Fact]
    public async Task TwoDestinationsWithOneNameFailStart()
    {
        using IHost host = BuildHost(o =>
        {
            o.AddDestination(OtlpPresets.Jaeger(name: "same"));
            o.AddDestination(OtlpPresets.Collector("http://127.0.0.1:4318", name: "same"));
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("'same'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SpansRecordedThroughTheBroadcasterArriveWhenTheHostStopsWithoutAnExplicitFlush(bool infiniteShutdownTimeout)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using IHost host = BuildHost(o =>
        {
            o.ServiceName = "hosted-gateway";
            if (infiniteShutdownTimeout)
            {
                o.ShutdownTimeout = Timeout.InfiniteTimeSpan;
            }

            o.Destinations.Add(new OtlpBroadcastDestinationOptions
            {
                Name = "receiver",
                Endpoint = receiver.TracesEndpoint.AbsoluteUri,
                ScheduledDelay = TimeSpan.FromMinutes(30),
            });
        });
        await host.StartAsync();

        var broadcaster = host.Services.GetRequiredService<GenerationBroadcaster>();
        var request = new ChatCompletionRequest
        {
            Model = "openai/gpt-4o",
            Messages = [new ChatMessage { Role = "user", Content = "Hello!" }],
            Trace = TraceField.Parse("""{"trace_id":"hosted_001","trace_name":"Hosted"}"""),
        };
        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        recording.CompleteChat(new ChatCompletionResponse { Id = "r1", Model = "gpt-4o" });
        Assert.Empty(receiver.Spans);

        await host.StopAsync();

        IReadOnlyList<ReceivedSpan> spans = receiver.Spans;
        Assert.Equal(2, spans.Count);
        Assert.Contains(spans, s => s.Name == "Hosted");
        Assert.Contains(spans, s => s.Name == "chat openai/gpt-4o");
        Assert.All(spans, s => Assert.Equal("hosted-gateway", s.Resource["service.name"].AsString()));
        Assert.All(spans, s => Assert.Equal(TraceId.FromString("hosted_001").ToString(), s.TraceId));
    }

    [Fact]
    public async Task LogsTellOfAFailedExportButNeverContainTheHeaderValue()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = { ["Authorization"] = "Bearer the-right-key" },
        });
        var logs = new CapturingLoggerProvider();
        using IHost host = BuildHost(
            o => o.Destinations.Add(new OtlpBroadcastDestinationOptions
            {
                Name = "secured",
                Endpoint = receiver.TracesEndpoint.AbsoluteUri + "?api_key=" + Canary,
                HeadersJson = $$"""{"Authorization":"Bearer {{Canary}}"}""",
                ScheduledDelay = TimeSpan.FromMinutes(30),
            }),
            logs);
        await host.StartAsync();

        var registry = host.Services.GetRequiredService<DestinationRegistry>();
        registry.Publish(new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "work").With("note", "x"));
        await host.StopAsync();

        Assert.Equal(401, Assert.Single(receiver.Requests).StatusCode);
        var entries = logs.Entries.Where(e => e.Category == "OtlpBroadcast").ToList();
        Assert.Contains(entries, e => e.EventId.Name == "ExportFailed" && e.Message.Contains("401", StringComparison.Ordinal) && e.Message.Contains("secured", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId.Name == "SpansDropped" && e.Values.Any(v => v.Key == "Reason" && Equals(v.Value, DropReason.FinalHttpError)));
        Assert.Contains(entries, e => e.EventId.Name == "DestinationAdded" && e.Message.Contains("Authorization: ***", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId.Name == "DestinationStopped");
        Assert.False(logs.AllText().Contains(Canary, StringComparison.Ordinal), "the secret appears in the logs");
    }

    [Fact]
    public async Task HealthIsHealthyWhileExportsSucceedThenDegradedAfterA401()
    {
        bool refuse = false;
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => Volatile.Read(ref refuse) ? new ReceiverResponse { StatusCode = 401, Body = "invalid API key" } : null,
        });
        using IHost host = BuildHost(o => o.Destinations.Add(new OtlpBroadcastDestinationOptions
        {
            Name = "backend",
            Endpoint = receiver.TracesEndpoint.AbsoluteUri,
            ScheduledDelay = TimeSpan.FromMinutes(30),
        }));
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<DestinationRegistry>();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        HealthReport fresh = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, fresh.Status);

        registry.Publish(new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "first"));
        Assert.True(await registry.FlushAsync(Patience));
        HealthReportEntry healthy = (await health.CheckHealthAsync()).Entries["otlp-broadcast"];
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(1L, healthy.Data["backend.exported"]);
        Assert.Equal("healthy", healthy.Data["backend.status"]);

        Volatile.Write(ref refuse, true);
        registry.Publish(new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "second"));
        Assert.True(await registry.FlushAsync(Patience));
        HealthReportEntry degraded = (await health.CheckHealthAsync()).Entries["otlp-broadcast"];
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("degraded", degraded.Data["backend.status"]);
        Assert.Equal(1L, degraded.Data["backend.dropped"]);
        Assert.Contains("401", (string)degraded.Data["backend.lastError"], StringComparison.Ordinal);
        Assert.Contains("backend", degraded.Description, StringComparison.Ordinal);

        await host.StopAsync();
    }

    [Fact]
    public async Task HealthDoesNotCountADisabledDestinationAsHealthy()
    {
        using IHost host = BuildHost(o =>
        {
            o.AddDestination(new OtlpDestinationOptions { Name = "on", Endpoint = "http://127.0.0.1:4318/v1/traces" });
            o.AddDestination(new OtlpDestinationOptions { Name = "off", Endpoint = "http://127.0.0.1:4319/v1/traces", Enabled = false });
        });

        HealthReportEntry entry = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["otlp-broadcast"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("1 OTLP destination(s) healthy, 1 disabled.", entry.Description);
        Assert.Equal("disabled", entry.Data["off.status"]);
    }

    [Fact]
    public async Task TheOtelVariablesAddADestinationAndNameTheServiceWhenSwitchedOn()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var variables = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.BaseAddress.AbsoluteUri,
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-team=blue",
            ["OTEL_SERVICE_NAME"] = "from-environment",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.version=1.2.3",
        };
        using IHost host = BuildHost(o =>
        {
            o.UseOtelEnvironment = true;
            o.GetEnvironmentVariable = name => variables.GetValueOrDefault(name);
        });

        OtlpDestination destination = host.Services.GetRequiredService<DestinationRegistry>().Find("otel-environment")!;
        Assert.Equal(receiver.TracesEndpoint, destination.Endpoint);
        Assert.Equal(["x-team"], destination.Headers.Names);
        OtlpResource resource = host.Services.GetRequiredService<ExporterServices>().Resource;
        Assert.Equal("from-environment", resource.ServiceName);
        Assert.Contains(resource.Attributes, a => a.Key == "service.version");
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData(null, null, "from-section-attributes")]
    [InlineData("  ", null, "from-section-attributes")]
    [InlineData("named", null, "named")]
    [InlineData(null, "from-environment", "from-section-attributes")]
    public void AServiceNameInTheSectionsResourceAttributesNamesTheServiceUnlessServiceNameIsSet(string? serviceName, string? otelServiceName, string expected)
    {
        // It was left out of the resource, and the service became unknown_service:<process>.
        using IHost host = BuildHost(o =>
        {
            o.ServiceName = serviceName;
            o.ResourceAttributes["service.name"] = "from-section-attributes";
            o.UseOtelEnvironment = true;
            o.GetEnvironmentVariable = name => name == "OTEL_SERVICE_NAME" ? otelServiceName : null;
        });

        OtlpResource resource = host.Services.GetRequiredService<ExporterServices>().Resource;
        Assert.Equal(expected, resource.ServiceName);
        Assert.Equal(expected, Assert.Single(resource.Attributes, a => a.Key == "service.name").Value.ToString());
    }

    [Fact]
    public void OtelSdkDisabledKeepsTheOtelVariablesFromAddingADestination()
    {
        using IHost host = BuildHost(o =>
        {
            o.UseOtelEnvironment = true;
            o.GetEnvironmentVariable = name => name switch
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://127.0.0.1:4318",
                "OTEL_SDK_DISABLED" => "true",
                _ => null,
            };
        });

        Assert.Empty(host.Services.GetRequiredService<DestinationRegistry>().List());
    }

    [Fact]
    public async Task OtelSdkDisabledLetsTheHostStartWhateverTheExporterVariablesSay()
    {
        using IHost host = BuildHost(o =>
        {
            o.UseOtelEnvironment = true;
            o.GetEnvironmentVariable = name => name switch
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT" => "collector:4318",
                "OTEL_EXPORTER_OTLP_HEADERS" => "Authorization",
                "OTEL_SDK_DISABLED" => "true",
                _ => null,
            };
        });

        await host.StartAsync();
        Assert.Empty(host.Services.GetRequiredService<DestinationRegistry>().List());
        await host.StopAsync();
    }

    [Fact]
    public void WithoutTheSwitchTheOtelVariablesAreIgnored()
    {
        using IHost host = BuildHost(o => o.GetEnvironmentVariable = name => name == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://127.0.0.1:4318" : null);
        Assert.Empty(host.Services.GetRequiredService<DestinationRegistry>().List());
    }

    [Fact]
    public async Task TheHttpClientDoesNotFollowRedirects()
    {
        await using OtlpTestReceiver target = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver redirecting = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse
            {
                StatusCode = 307,
                Headers = new Dictionary<string, string> { ["Location"] = target.TracesEndpoint.AbsoluteUri },
            },
        });
        using IHost host = BuildHost(o => o.Destinations.Add(new OtlpBroadcastDestinationOptions
        {
            Name = "redirecting",
            Endpoint = redirecting.TracesEndpoint.AbsoluteUri,
            ScheduledDelay = TimeSpan.FromMinutes(30),
        }));
        var registry = host.Services.GetRequiredService<DestinationRegistry>();

        registry.Publish(new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "span"));
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Single(redirecting.Requests);
        Assert.Empty(target.Requests);
        Assert.Equal(1, registry.List()[0].Statistics.DroppedTotal);
    }

    internal static IHost BuildHost(Action<OtlpBroadcastOptions> configure, CapturingLoggerProvider? logs = null)
        => HostWith(services => services.AddOtlpBroadcast(configure), logs);

    /// <summary>A host whose options bind from the <c>OtlpBroadcast</c> section of <paramref name="json"/>.</summary>
    internal static IHost BuildHostFromJson(string json)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        return HostWith(services => services.AddOtlpBroadcast(configuration.GetSection("OtlpBroadcast")), logs: null);
    }

    private static IHost HostWith(Action<IServiceCollection> addOtlpBroadcast, CapturingLoggerProvider? logs)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        addOtlpBroadcast(builder.Services);
        builder.Services.AddHealthChecks().AddOtlpBroadcast();
        return builder.Build();
    }
}

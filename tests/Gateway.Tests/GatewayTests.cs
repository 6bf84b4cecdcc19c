using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OtlpBroadcast;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Shared;

namespace Gateway.Tests;

public sealed class GatewayTests
{
    private const string Secret = "gw-secret-canary-41f0";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    internal static async Task<(WebApplication App, HttpClient Client)> StartAsync(params (string Key, string Value)[] settings)
    {
        WebApplication app = await GatewayApp.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
            builder.Logging.ClearProviders();
        }, TextWriter.Null);
        app.Urls.Clear();
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) });
    }

    private static (string, string)[] DestinationSettings(OtlpTestReceiver receiver, bool privacy = false) =>
    [
        ("OtlpBroadcast:Destinations:0:Name", "configured"),
        ("OtlpBroadcast:Destinations:0:Endpoint", receiver.TracesEndpoint.AbsoluteUri),
        ("OtlpBroadcast:Destinations:0:HeadersJson", $$"""{"x-api-key":"{{Secret}}"}"""),
        ("OtlpBroadcast:Destinations:0:PrivacyMode", privacy ? "true" : "false"),
    ];

    [Theory]
    [InlineData("", "otlpbroadcast-gateway")]
    [InlineData("  ", "otlpbroadcast-gateway")]
    [InlineData("billing-gateway", "billing-gateway")]
    public async Task AnEmptyServiceNameFallsBackToTheDefault(string configured, string expected)
    {
        IReadOnlyList<ReceivedSpan> spans = await SpansOfTheMissionsRequestAsync(("OtlpBroadcast:ServiceName", configured));
        Assert.All(spans, s => Assert.Equal(expected, s.Resource["service.name"].AsString()));
    }

    [Theory]
    [InlineData("OTEL_RESOURCE_ATTRIBUTES", "service.name=from%20attributes,deployment.environment=staging", "from attributes")]
    [InlineData("OTEL_SERVICE_NAME", "from-otel-service-name", "from-otel-service-name")]
    public async Task TheServiceIsDescribedByTheOtelVariablesAsConfigurationGivesThem(string variable, string value, string expected)
    {
        // Configuration holds the environment, and also the command line (--OTEL_SERVICE_NAME=…), as the OTEL_EXPORTER_*
        // variables are read; OTEL_RESOURCE_ATTRIBUTES names the service when OTEL_SERVICE_NAME does not.
        IReadOnlyList<ReceivedSpan> spans = await SpansOfTheMissionsRequestAsync((variable, value));
        Assert.All(spans, s => Assert.Equal(expected, s.Resource["service.name"].AsString()));
        if (variable == "OTEL_RESOURCE_ATTRIBUTES")
        {
            Assert.All(spans, s => Assert.Equal("staging", s.Resource["deployment.environment"].AsString()));
        }
    }

    /// <summary>The spans of the mission's request through a gateway with one configured destination and <paramref name="setting"/>.</summary>
    private static async Task<IReadOnlyList<ReceivedSpan>> SpansOfTheMissionsRequestAsync((string Key, string Value) setting)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });
        (WebApplication app, HttpClient client) = await StartAsync([.. DestinationSettings(receiver), setting]);
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await client.PostAsync("/api/v1/chat/completions", new StringContent(Demo.MissionRequest, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            await app.StopAsync();
            return await receiver.WaitForSpansAsync(3, Patience);
        }
    }

    [Fact]
    public async Task TheMissionsRequestThroughTheGatewayArrivesAsTheSpanTree()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });
        (WebApplication app, HttpClient client) = await StartAsync(DestinationSettings(receiver));
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await client.PostAsync("/api/v1/chat/completions", new StringContent(Demo.MissionRequest, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            using JsonDocument answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
            Assert.Equal("Hello! How can I help you today?", answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

            // Stopping the app flushes: no explicit flush here.
            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);

            ReceivedSpan root = spans.Single(s => s.Name == "Chat Handler");
            ReceivedSpan generation = spans.Single(s => s.Name == "Generate Response");
            ReceivedSpan attempt = spans.Single(s => s.Name == "attempt openai");
            Assert.Equal(TraceId.FromString("app_trace_001").ToString(), root.TraceId);
            Assert.Equal(root.SpanId, generation.ParentSpanId);
            Assert.Equal(generation.SpanId, attempt.ParentSpanId);
            Assert.Equal("staging", root["trace.metadata.environment"].AsString());
            Assert.Equal("us-east-1", root["trace.metadata.deployment"].AsString());
            Assert.Equal("user_12345", root["user.id"].AsString());
            Assert.Equal("session_abc", root["session.id"].AsString());
            Assert.Equal("openai/gpt-4o", generation["gen_ai.request.model"].AsString());
            Assert.Equal(6, generation["gen_ai.usage.input_tokens"].AsInt());
            Assert.True(generation["gen_ai.usage.cost"].AsDouble() > 0);
            Assert.Equal("""[{"role":"user","parts":[{"type":"text","content":"Hello!"}]}]""", generation["gen_ai.input.messages"].AsString());
        }
    }

    [Fact]
    public async Task BadRequestsAreRefusedWithoutBroadcasting()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });
        (WebApplication app, HttpClient client) = await StartAsync(DestinationSettings(receiver));
        await using (app)
        using (client)
        {
            using HttpResponseMessage notJson = await client.PostAsync("/api/v1/chat/completions", new StringContent("{", Encoding.UTF8, "application/json"));
            using HttpResponseMessage noModel = await client.PostAsync("/api/v1/chat/completions", new StringContent("""{"messages":[]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, noModel.StatusCode);
            await app.StopAsync();
            Assert.Empty(receiver.Spans);
        }
    }

    [Fact]
    public async Task TheAdminApiSavesOnlyDestinationsWhoseTestPassesAndNeverEchoesASecret()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["Authorization"] = "Bearer " + Secret } });
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            string Form(string token) => $$"""
                {"name":"axiom","endpoint":"{{receiver.TracesEndpoint}}","headers":{"Authorization":"Bearer {{token}}","X-Axiom-Dataset":"ds"},"privacy_mode":true}
                """;

            using HttpResponseMessage refused = await client.PostAsync("/admin/destinations", new StringContent(Form(Secret + "-wrong"), Encoding.UTF8, "application/json"));
            string refusedBody = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains("\"saved\":false", refusedBody, StringComparison.Ordinal);
            Assert.Contains("\"status\":401", refusedBody, StringComparison.Ordinal);
            Assert.False(refusedBody.Contains(Secret, StringComparison.Ordinal), "the refusal echoes the secret");

            string listed = await client.GetStringAsync("/admin/destinations");
            Assert.DoesNotContain("\"axiom\"", listed, StringComparison.Ordinal);

            using HttpResponseMessage saved = await client.PostAsync("/admin/destinations", new StringContent(Form(Secret), Encoding.UTF8, "application/json"));
            string savedBody = await saved.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
            Assert.False(savedBody.Contains(Secret, StringComparison.Ordinal), "the save echoes the secret");

            listed = await client.GetStringAsync("/admin/destinations");
            Assert.Contains("\"headers\":\"Authorization: ***, X-Axiom-Dataset: ***\"", listed, StringComparison.Ordinal);
            Assert.Contains("\"privacy_mode\":true", listed, StringComparison.Ordinal);
            Assert.False(listed.Contains(Secret, StringComparison.Ordinal), "the listing shows the secret");

            using HttpResponseMessage testTrace = await client.PostAsync("/admin/destinations/axiom/test-trace", null);
            Assert.Equal(HttpStatusCode.OK, testTrace.StatusCode);
            Assert.Contains(receiver.Spans, s => s.Name == TestTraceRootName);
            Assert.DoesNotContain(receiver.Spans, s => s.Attributes.ContainsKey("gen_ai.input.messages"));

            using HttpResponseMessage removed = await client.DeleteAsync("/admin/destinations/axiom");
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
            using HttpResponseMessage gone = await client.DeleteAsync("/admin/destinations/axiom");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
    }

    [Theory]
    [InlineData("privacyMode")]
    [InlineData("PrivacyMode")]
    [InlineData("privacy")]
    public async Task AMisspeltPrivacyModeInTheAdminApiIsRefusedRatherThanSavedWithoutPrivacy(string misspelt)
    {
        // A form whose privacy_mode is misspelt was saved with privacy off, so the prompt of the next call reached a
        // destination its user had meant to keep from content: the gateway's configuration refuses such a key, and so
        // must the admin API.
        const string Canary = "admin-form-canary-7d3e";
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            string form = $$"""{"name":"vendor","endpoint":"{{receiver.TracesEndpoint}}","{{misspelt}}":true}""";
            using HttpResponseMessage added = await client.PostAsync("/admin/destinations", new StringContent(form, Encoding.UTF8, "application/json"));
            string answer = await added.Content.ReadAsStringAsync();
            string listed = await client.GetStringAsync("/admin/destinations");

            string chat = $$"""{"model":"openai/gpt-4o","messages":[{"role":"user","content":"{{Canary}}"}]}""";
            using HttpResponseMessage reply = await client.PostAsync("/api/v1/chat/completions", new StringContent(chat, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            await app.StopAsync();

            Assert.DoesNotContain(receiver.Requests, r => r.BodyText.Contains(Canary, StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.BadRequest, added.StatusCode);
            using JsonDocument error = JsonDocument.Parse(answer);
            Assert.StartsWith($"'{misspelt}' is not a destination setting", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("\"vendor\"", listed, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheAdminApiTakesAndListsADestinationsProtocolAndCompression()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            string form = $$"""{"name":"tempo","endpoint":"{{receiver.TracesEndpoint}}","protocol":"http/protobuf","compression":"gzip"}""";
            using HttpResponseMessage saved = await client.PostAsync("/admin/destinations", new StringContent(form, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);

            // The connection test went the way the destination sends.
            ReceivedRequest test = Assert.Single(receiver.Requests);
            Assert.StartsWith("application/x-protobuf", test.ContentType, StringComparison.Ordinal);
            Assert.Equal("gzip", test.ContentEncoding);

            using JsonDocument listed = JsonDocument.Parse(await client.GetStringAsync("/admin/destinations"));
            JsonElement tempo = listed.RootElement.EnumerateArray().Single(d => d.GetProperty("name").GetString() == "tempo");
            Assert.Equal("http/protobuf", tempo.GetProperty("protocol").GetString());
            Assert.Equal("gzip", tempo.GetProperty("compression").GetString());

            JsonElement embedded = listed.RootElement.EnumerateArray().First(d => d.GetProperty("name").GetString() != "tempo");
            Assert.Equal("http/json", embedded.GetProperty("protocol").GetString());
            Assert.Equal("none", embedded.GetProperty("compression").GetString());
        }
    }

    [Fact]
    public async Task TheAdminApiAnswers404ForAnUnknownNameAnd503OnceTheDestinationsAreClosed()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            using HttpResponseMessage unknown = await client.PostAsync("/admin/destinations/nobody/test-trace", null);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

            // The host is stopping: the registry is closed while requests still come in.
            await app.Services.GetRequiredService<DestinationRegistry>().DisposeAsync();
            string form = $$"""{"name":"late","endpoint":"{{receiver.TracesEndpoint}}"}""";
            using HttpResponseMessage late = await client.PostAsync("/admin/destinations", new StringContent(form, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
            Assert.Contains("shutting down", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Empty(receiver.Requests);
        }
    }

    [Theory]
    [InlineData("""{"name":"x","endpoint":"ftp://h/v1/traces"}""", "must use http or https")]
    [InlineData("""{"name":"x","endpoint":"https://h/v1/traces","headers":{"Authorization":5}}""", "must have a string value")]
    [InlineData("""{"name":"x"}""", "endpoint is missing")]
    [InlineData("""{"name":"team/prod","endpoint":"https://h/v1/traces"}""", "/admin/destinations/{name}")]
    [InlineData("""{"name":"..","endpoint":"https://h/v1/traces"}""", "/admin/destinations/{name}")]
    [InlineData("""{"name":"x","endpoint":"https://h/v1/traces","protocol":"grpc"}""", "protocol must be http/json or http/protobuf")]
    [InlineData("""{"name":"x","endpoint":"https://h/v1/traces","compression":"zstd"}""", "compression must be none or gzip")]
    public async Task TheAdminApiRefusesInvalidDestinationsWithAClearMessage(string form, string expected)
    {
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await client.PostAsync("/admin/destinations", new StringContent(form, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
            Assert.Contains(expected, await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/admin/destinations")]
    [InlineData("/api/v1/chat/completions")]
    public async Task ABodyNotSentAsJsonIsRefusedWith415(string path)
    {
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            // What curl -d sends without -H 'Content-Type: application/json'.
            using var form = new StringContent("""{"name":"x","endpoint":"http://127.0.0.1:4318/v1/traces"}""", Encoding.UTF8, "application/x-www-form-urlencoded");
            using HttpResponseMessage reply = await client.PostAsync(path, form);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, reply.StatusCode);
            Assert.Contains("application/json", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WithoutDestinationsTheEmbeddedBackendReceivesTheTrace()
    {
        var output = new StringWriter();
        Assert.Equal(0, await Demo.RunAsync([], output));
        string text = output.ToString();
        Assert.Contains("Chat Handler [server]", text, StringComparison.Ordinal);
        Assert.Contains("trace.metadata.environment = \"staging\"", text, StringComparison.Ordinal);
        Assert.Contains("embedded: exported=3 dropped=0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUpstreamProviderAnswersWhenConfiguredAndItsFailureIsRecorded()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });

        // The upstream is another gateway with the built-in provider: an OpenAI-compatible server on loopback.
        (WebApplication upstream, HttpClient upstreamClient) = await StartAsync();
        await using (upstream)
        using (upstreamClient)
        {
            (WebApplication app, HttpClient client) = await StartAsync(
                [.. DestinationSettings(receiver), ("Gateway:Upstream:BaseUrl", upstream.Urls.First() + "/api/v1"), ("Gateway:Upstream:Provider", "upstream-gw")]);
            await using (app)
            using (client)
            {
                using HttpResponseMessage reply = await client.PostAsync("/api/v1/chat/completions", new StringContent(Demo.MissionRequest, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
                Assert.Contains("Hello! How can I help you today?", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);

                await upstream.StopAsync();
                using HttpResponseMessage failed = await client.PostAsync("/api/v1/chat/completions", new StringContent(Demo.MissionRequest, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);

                await app.StopAsync();
                IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(6, Patience);
                ReceivedSpan[] generations = [.. spans.Where(s => s.Name == "Generate Response").OrderBy(s => s.StartTimeUnixNano)];
                Assert.Equal("upstream-gw", generations[0]["gen_ai.provider.name"].AsString());
                Assert.Equal(1, generations[0].StatusCode);
                Assert.Equal(2, generations[1].StatusCode);
                Assert.True(generations[1].TryGetAttribute("error.type", out _));
            }
        }
    }

    [Fact]
    public async Task TheUpstreamReceivesTheRequestWithoutTheRouterFieldsAndWithWhatTheGatewayDoesNotModel()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });

        // A provider that, like OpenAI, would refuse a field it does not know: it records what it was sent.
        string? forwarded = null;
        WebApplicationBuilder upstreamBuilder = WebApplication.CreateSlimBuilder();
        upstreamBuilder.Logging.ClearProviders();
        await using WebApplication upstream = upstreamBuilder.Build();
        upstream.Urls.Add("http://127.0.0.1:0");
        upstream.MapPost("/v1/chat/completions", async (HttpRequest http) =>
        {
            forwarded = await new StreamReader(http.Body).ReadToEndAsync();
            return Results.Text("""{"id":"chatcmpl-1","model":"gpt-4o","system_fingerprint":"fp_1","choices":[{"index":0,"message":{"role":"assistant","content":"Sunny."},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}""", "application/json");
        });
        await upstream.StartAsync();

        (WebApplication app, HttpClient client) = await StartAsync(
            [.. DestinationSettings(receiver), ("Gateway:Upstream:BaseUrl", upstream.Urls.First() + "/v1")]);
        await using (app)
        using (client)
        {
            const string Request = """
                {"model":"openai/gpt-4o","messages":[{"role":"user","content":"Weather in Paris?"}],"user":"user_1","session_id":"session_1",
                 "trace":{"trace_id":"workflow_1","environment":"staging"},"stop":"END",
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"tool_choice":"auto"}
                """;
            using HttpResponseMessage reply = await client.PostAsync("/api/v1/chat/completions", new StringContent(Request, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            using (JsonDocument answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()))
            {
                Assert.Equal("fp_1", answer.RootElement.GetProperty("system_fingerprint").GetString());
            }

            Assert.NotNull(forwarded);
            using (JsonDocument sent = JsonDocument.Parse(forwarded))
            {
                JsonElement body = sent.RootElement;
                Assert.False(body.TryGetProperty("trace", out _), forwarded);
                Assert.False(body.TryGetProperty("session_id", out _), forwarded);
                Assert.Equal("user_1", body.GetProperty("user").GetString());
                Assert.Equal("[\"END\"]", body.GetProperty("stop").GetRawText());
                Assert.Equal("get_weather", body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
                Assert.Equal("auto", body.GetProperty("tool_choice").GetString());
            }

            // The broadcast still carries what the router fields said.
            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            Assert.Contains(spans, s => s.TryGetAttribute("session.id", out ReceivedValue? value) && value.AsString() == "session_1");
            Assert.Contains(spans, s => s.TryGetAttribute("trace.metadata.environment", out ReceivedValue? value) && value.AsString() == "staging");
        }
    }

    [Fact]
    public async Task WithoutATraceIdAGatewayWithoutATracingSdkStartsATraceOrJoinsTheCallersTraceparent()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });

        // With logging on, as a gateway runs, ASP.NET Core starts an Activity per request that no tracing SDK records.
        using var logs = new CapturingLoggerProvider();
        WebApplication app = await GatewayApp.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(DestinationSettings(receiver).Select(s => new KeyValuePair<string, string?>(s.Item1, s.Item2)));
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
        }, TextWriter.Null);
        app.Urls.Clear();
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        await using (app)
        {
            string Request(string name) => $$$"""{"model":"openai/gpt-4o","messages":[{"role":"user","content":"Hello!"}],"trace":{"trace_name":"{{{name}}}"}}""";
            using HttpResponseMessage alone = await client.PostAsync("/api/v1/chat/completions", new StringContent(Request("alone"), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, alone.StatusCode);
            using var traced = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chat/completions") { Content = new StringContent(Request("traced"), Encoding.UTF8, "application/json") };
            traced.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            using HttpResponseMessage tracedReply = await client.SendAsync(traced);
            Assert.Equal(HttpStatusCode.OK, tracedReply.StatusCode);

            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(6, Patience);

            // ASP.NET Core's request activity is exported by nobody here: no span may name it as its parent.
            ReceivedSpan top = spans.Single(s => s.Name == "alone");
            Assert.Null(top.ParentSpanId);
            ReceivedSpan underCaller = spans.Single(s => s.Name == "traced");
            Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", underCaller.TraceId);
            Assert.Equal("00f067aa0ba902b7", underCaller.ParentSpanId);
            Assert.All(spans, s => Assert.True(s.ParentSpanId is null || s.ParentSpanId == "00f067aa0ba902b7" || spans.Any(p => p.SpanId == s.ParentSpanId), s.Name + " has a parent nobody sent"));
        }
    }

    [Fact]
    public async Task TheOtelVariablesAddADestination()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });
        (WebApplication app, HttpClient client) = await StartAsync(
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.TracesEndpoint.AbsoluteUri),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=" + Secret));
        await using (app)
        using (client)
        {
            string listed = await client.GetStringAsync("/admin/destinations");
            Assert.Contains("\"name\":\"otel-environment\"", listed, StringComparison.Ordinal);
            Assert.DoesNotContain("embedded", listed, StringComparison.Ordinal);
            Assert.False(listed.Contains(Secret, StringComparison.Ordinal), "the listing shows the secret");

            using HttpResponseMessage reply = await client.PostAsync("/api/v1/chat/completions", new StringContent(Demo.MissionRequest, Encoding.UTF8, "application/json"));
            await app.StopAsync();
            Assert.Equal(3, (await receiver.WaitForSpansAsync(3, Patience)).Count);
        }
    }

    [Theory]
    [InlineData("PrivacyMode", "yes")]
    [InlineData("PrivacyMode", "1")]
    [InlineData("PrivacyMode", "on")]
    [InlineData("Enabled", "yes")]
    [InlineData("Enabled", "0")]
    public void AMistypedDestinationFlagStopsTheGatewayInsteadOfTurningItOff(string key, string value)
    {
        IConfiguration configuration = Configuration(("OtlpBroadcast:Destinations:0:" + key, value));

        // The hosting package's message: the gateway reads a destination as AddOtlpBroadcast does.
        var error = Assert.Throws<OtlpConfigurationException>(() => GatewayApp.ConfiguredDestinations(configuration).ToList());
        Assert.Equal($"The value at 'OtlpBroadcast:Destinations:0:{key}' does not convert to System.Boolean (the value is not shown: it could be a credential).", error.Message);
    }

    [Fact]
    public async Task HeadersGivenAsASectionReachTheDestination()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { RequiredHeaders = { ["x-api-key"] = Secret } });
        (WebApplication app, HttpClient client) = await StartAsync(
            ("OtlpBroadcast:Destinations:0:Name", "configured"),
            ("OtlpBroadcast:Destinations:0:Endpoint", receiver.TracesEndpoint.AbsoluteUri),
            ("OtlpBroadcast:Destinations:0:Headers:x-api-key", Secret));
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await client.PostAsync("/api/v1/chat/completions", new StringContent(Demo.MissionRequest, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            await app.StopAsync();
            Assert.Equal(3, (await receiver.WaitForSpansAsync(3, Patience)).Count);
            Assert.All(receiver.Requests, r => Assert.Equal(Secret, r.Headers["x-api-key"]));
        }
    }

    [Fact]
    public void AConfiguredDestinationTakesTheExporterSettingsOfTheHostingPackage()
    {
        IConfiguration configuration = Configuration(
            ("OtlpBroadcast:Destinations:0:Timeout", "00:00:03"),
            ("OtlpBroadcast:Destinations:0:MaxQueueSize", "64"),
            ("OtlpBroadcast:Destinations:0:MaxAttempts", "2"),
            ("OtlpBroadcast:Destinations:0:Broadcast:MaxContentLength", "100"));

        OtlpDestination destination = Assert.Single(GatewayApp.ConfiguredDestinations(configuration));

        Assert.Equal(TimeSpan.FromSeconds(3), destination.Timeout);
        Assert.Equal(64, destination.MaxQueueSize);
        Assert.Equal(2, destination.MaxAttempts);
        Assert.Equal(100, destination.Broadcast.MaxContentLength);
    }

    [Theory]
    [InlineData("Timeout")]
    [InlineData("MaxQueueSize")]
    [InlineData("PrivacyMode")]
    public void AValueThatDoesNotConvertStopsTheGatewayNamingTheKeyButNeverQuotingTheValue(string key)
    {
        // A credential pasted under the wrong key is still a credential.
        IConfiguration configuration = Configuration(("OtlpBroadcast:Destinations:0:" + key, "Bearer " + Secret));

        var error = Assert.Throws<OtlpConfigurationException>(() => GatewayApp.ConfiguredDestinations(configuration).ToList());
        Assert.Contains($"'OtlpBroadcast:Destinations:0:{key}'", error.Message, StringComparison.Ordinal);
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            Assert.False(e.Message.Contains(Secret, StringComparison.Ordinal), $"the value appears in a {e.GetType().Name}'s message");
        }
    }

    [Theory]
    [InlineData("http/protobuf", "gzip", OtlpProtocol.HttpProtobuf, OtlpCompression.Gzip)]
    [InlineData("HttpProtobuf", "None", OtlpProtocol.HttpProtobuf, OtlpCompression.None)]
    [InlineData("http/json", "", OtlpProtocol.HttpJson, OtlpCompression.None)]
    public void AConfiguredDestinationTakesItsProtocolAndCompression(string protocol, string compression, OtlpProtocol expectedProtocol, OtlpCompression expectedCompression)
    {
        IConfiguration configuration = Configuration(
            ("OtlpBroadcast:Destinations:0:Protocol", protocol),
            ("OtlpBroadcast:Destinations:0:Compression", compression));

        OtlpDestination destination = Assert.Single(GatewayApp.ConfiguredDestinations(configuration));

        Assert.Equal(expectedProtocol, destination.Protocol);
        Assert.Equal(expectedCompression, destination.Compression);
    }

    [Theory]
    [InlineData("Protocol", "grpc", "OtlpBroadcast:Destinations:0:Protocol must be http/json or http/protobuf")]
    [InlineData("Compression", "zstd", "OtlpBroadcast:Destinations:0:Compression must be none or gzip")]
    public void AnUnsupportedProtocolOrCompressionStopsTheGatewayNamingTheKey(string key, string value, string expected)
    {
        IConfiguration configuration = Configuration(("OtlpBroadcast:Destinations:0:" + key, value));

        var error = Assert.Throws<OtlpConfigurationException>(() => GatewayApp.ConfiguredDestinations(configuration).ToList());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Privacy", "true", "Privacy is not a destination setting")]
    [InlineData("Privacy_Mode", "true", "Privacy_Mode is not a destination setting")]
    [InlineData("Header:x-api-key", Secret, "Header is not a destination setting")]
    [InlineData("Compresion", "gzip", "Compresion is not a destination setting")]
    [InlineData("Broadcast:SampleRate", Secret, "Broadcast:SampleRate is not a Broadcast setting")]
    public void AnUnknownDestinationKeyStopsTheGatewayNamingTheKeyInsteadOfBeingIgnored(string key, string value, string expected)
    {
        // A misspelt PrivacyMode would otherwise leave privacy off, and headers under a key the gateway does not read
        // would leave the destination without its credentials, both silently.
        IConfiguration configuration = Configuration(("OtlpBroadcast:Destinations:0:" + key, value));

        var error = Assert.Throws<OtlpConfigurationException>(() => GatewayApp.ConfiguredDestinations(configuration).ToList());
        Assert.Contains("OtlpBroadcast:Destinations:0:" + expected, error.Message, StringComparison.Ordinal);
        Assert.False(error.Message.Contains(Secret, StringComparison.Ordinal), "the message quotes the value");
    }

    [Theory]
    [InlineData("HeadersJson", "{\"x-api-key\":\"" + Secret + "\"")]
    [InlineData("HeadersJson", "{\"Host\":\"collector.example.com\"}")]
    [InlineData("HeadersJson", "{\"x-api-key\":\"line\u000Abreak\"}")]
    public void AnInvalidDestinationStopsTheGatewaySayingWhichOne(string key, string value)
    {
        // "Headers are not valid JSON" alone did not say which of the configured destinations was meant.
        IConfiguration configuration = Configuration(
            ("OtlpBroadcast:Destinations:1:Name", "second"),
            ("OtlpBroadcast:Destinations:1:Endpoint", "https://collector.example.com/v1/traces"),
            ("OtlpBroadcast:Destinations:1:" + key, value));

        var error = Assert.Throws<OtlpConfigurationException>(() => GatewayApp.ConfiguredDestinations(configuration).ToList());
        Assert.StartsWith("OtlpBroadcast:Destinations:1 ('second'): ", error.Message, StringComparison.Ordinal);
        Assert.False(error.Message.Contains(Secret, StringComparison.Ordinal), "the message quotes a header value");
    }

    [Fact]
    public void TwoConfiguredDestinationsWithOneNameStopTheGatewayInsteadOfOneReplacingTheOther()
    {
        IConfiguration configuration = Configuration(
            ("OtlpBroadcast:Destinations:1:Name", "configured"),
            ("OtlpBroadcast:Destinations:1:Endpoint", "http://127.0.0.1:4319/v1/traces"));

        var error = Assert.Throws<OtlpConfigurationException>(() => GatewayApp.ConfiguredDestinations(configuration).ToList());
        Assert.Equal("Two destinations are named 'configured'; names must be unique.", error.Message);
    }

    [Theory]
    [InlineData("configured", "http://127.0.0.1:4319/v1/traces", "Two destinations are named 'configured'")]
    [InlineData("second", "ftp://collector.example.com/v1/traces", "OtlpBroadcast:Destinations:1 ('second'): ")]
    public async Task AGatewayThatFailsToBuildStopsTheExportersItHadStarted(string name, string endpoint, string expected)
    {
        // Destinations are added as they are read: the first one's exporter was running when the second was refused,
        // and went on running in a process whose gateway never started.
        DestinationRegistry? registry = null;
        var error = await Assert.ThrowsAsync<OtlpConfigurationException>(() => GatewayApp.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new KeyValuePair<string, string?>("OtlpBroadcast:Destinations:0:Name", "configured"),
                new KeyValuePair<string, string?>("OtlpBroadcast:Destinations:0:Endpoint", "http://127.0.0.1:4318/v1/traces"),
                new KeyValuePair<string, string?>("OtlpBroadcast:Destinations:1:Name", name),
                new KeyValuePair<string, string?>("OtlpBroadcast:Destinations:1:Endpoint", endpoint),
            ]);
            builder.Logging.ClearProviders();
        }, TextWriter.Null, created => registry = created));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        await AssertDisposedAsync(registry);
    }

    [Fact]
    public async Task AGatewayThatFailsToBuildStopsItsEmbeddedReceiver()
    {
        var console = new StringWriter();
        DestinationRegistry? registry = null;
        await Assert.ThrowsAsync<AggregateException>(() => GatewayApp.BuildAsync([], builder =>
        {
            builder.Logging.ClearProviders();

            // A service the container cannot build: Build refuses it, after the embedded receiver has started.
            builder.Host.UseDefaultServiceProvider(options => options.ValidateOnBuild = true);
            builder.Services.AddSingleton<Unbuildable>();
        }, console, created => registry = created));

        await AssertDisposedAsync(registry);
        string started = console.ToString();
        Uri receiver = new(started[(started.IndexOf("http://", StringComparison.Ordinal))..].Trim());
        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(receiver, new StringContent("{}", Encoding.UTF8, "application/json")));
    }

    /// <summary>Asserts that <paramref name="registry"/> was disposed, which stops every exporter it held.</summary>
    private static async Task AssertDisposedAsync(DestinationRegistry? registry)
    {
        Assert.NotNull(registry);
        Assert.Empty(registry.Exporters);
        OtlpDestination late = OtlpDestination.Create(new OtlpDestinationOptions { Name = "late", Endpoint = "http://127.0.0.1:4318/v1/traces" });
        await Assert.ThrowsAsync<ObjectDisposedException>(() => registry.AddAsync(late));
    }

    /// <summary>A service that needs what nobody registers.</summary>
    private sealed class Unbuildable(Uri missing)
    {
        public Uri Missing => missing;
    }

    [Theory]
    [InlineData(null, null, false, true)]
    [InlineData("", "", false, true)]
    [InlineData("True", "false", true, false)]
    public void DestinationFlagsReadTrueOrFalseAndKeepTheirDefaultsWhenMissingOrEmpty(string? privacy, string? enabled, bool expectedPrivacy, bool expectedEnabled)
    {
        IConfiguration configuration = Configuration(("OtlpBroadcast:Destinations:0:PrivacyMode", privacy), ("OtlpBroadcast:Destinations:0:Enabled", enabled));

        OtlpBroadcast.Export.OtlpDestination destination = Assert.Single(GatewayApp.ConfiguredDestinations(configuration));
        Assert.Equal(expectedPrivacy, destination.PrivacyMode);
        Assert.Equal(expectedEnabled, destination.Enabled);
    }

    /// <summary>A configuration with one destination on loopback, plus <paramref name="settings"/>.</summary>
    private static IConfiguration Configuration(params (string Key, string? Value)[] settings)
        => new ConfigurationBuilder().AddInMemoryCollection(
            [
                new KeyValuePair<string, string?>("OtlpBroadcast:Destinations:0:Name", "configured"),
                new KeyValuePair<string, string?>("OtlpBroadcast:Destinations:0:Endpoint", "http://127.0.0.1:4318/v1/traces"),
                .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
            ]).Build();

    private const string TestTraceRootName = OtlpBroadcast.Export.TestTrace.RootName;
}

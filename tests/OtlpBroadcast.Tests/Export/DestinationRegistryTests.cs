using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>Saving, listing, removing and fanning out to destinations, against real receivers.</summary>
public class DestinationRegistryTests
{
    private const string Secret = "Bearer reg-c4n4ry-7a6b5c4d3e2f";

    [Fact]
    public async Task SavesADestinationOnlyWhenItsTestPassesAndListsItMasked()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = new Dictionary<string, string> { ["Authorization"] = Secret },
        });
        await using var registry = new DestinationRegistry(Services);
        OtlpDestinationOptions options = Options(receiver, "axiom");
        options.Headers["Authorization"] = Secret;

        DestinationSaveResult saved = await registry.SaveAsync(OtlpDestination.Create(options));

        AssertNoSecret(saved.ToString(), "reg-c4n4ry", "DestinationSaveResult.ToString");
        Assert.True(saved.Saved, saved.Reason);
        Assert.Null(saved.Reason);
        Assert.True(saved.Test.Success);
        Assert.Equal("connection-test", Assert.Single(receiver.Spans).Name);
        DestinationInfo info = Assert.Single(registry.List());
        AssertNoSecret(info.ToString(), Secret, "DestinationInfo.ToString");
        AssertNoSecret(info.ToString(), "reg-c4n4ry", "DestinationInfo.ToString");
        AssertNoSecret(registry.Find("axiom")?.ToString(), "reg-c4n4ry", "OtlpDestination.ToString");
        Assert.Equal("axiom", info.Name);
        Assert.Equal(receiver.TracesEndpoint, info.Endpoint);
        Assert.Equal("Authorization: ***", info.Headers);
        Assert.True(info.Enabled);
        Assert.False(info.PrivacyMode);
        Assert.Equal("axiom", info.Statistics.Destination);
        Assert.Equal(OtlpProtocol.HttpJson, info.Protocol);
        Assert.Equal(OtlpCompression.None, info.Compression);
    }

    [Fact]
    public async Task AListingShowsEachDestinationsProtocolAndCompression()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        OtlpDestinationOptions options = Options(receiver, "tempo");
        options.Protocol = OtlpProtocol.HttpProtobuf;
        options.Compression = OtlpCompression.Gzip;

        Assert.True((await registry.SaveAsync(OtlpDestination.Create(options))).Saved);

        DestinationInfo info = Assert.Single(registry.List());
        Assert.Equal(OtlpProtocol.HttpProtobuf, info.Protocol);
        Assert.Equal(OtlpCompression.Gzip, info.Compression);
        Assert.Contains("Protocol = HttpProtobuf, Compression = Gzip", info.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingTestIsNotSavedAndSaysWhy()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer something-else-entirely" },
        });
        await using var registry = new DestinationRegistry(Services);
        OtlpDestinationOptions options = Options(receiver, "honeycomb");
        options.Headers["Authorization"] = Secret;

        DestinationSaveResult result = await registry.SaveAsync(OtlpDestination.Create(options));

        AssertNoSecret(result.Reason, "reg-c4n4ry", "the reason");
        AssertNoSecret(result.ToString(), "reg-c4n4ry", "DestinationSaveResult.ToString");
        Assert.False(result.Saved);
        Assert.False(result.Test.Success);
        Assert.NotNull(result.Reason);
        Assert.StartsWith("Destination 'honeycomb' was not saved because its connection test failed: failed: HTTP 401", result.Reason, StringComparison.Ordinal);
        Assert.Empty(registry.List());
        Assert.Null(registry.Find("honeycomb"));
    }

    [Fact]
    public async Task RemoveSendsWhatIsQueuedAndForgetsTheDestination()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        Assert.True((await registry.SaveAsync(OtlpDestination.Create(Options(receiver, "tempo")))).Saved);
        receiver.Clear();
        OtlpSpan span = Span(1);
        Publish(registry, span);

        Assert.True(await registry.RemoveAsync("tempo"));

        Assert.Equal([span.Name], StoredNames(receiver));
        Assert.Empty(registry.List());
        Assert.Empty(registry.Exporters);
        Assert.False(await registry.RemoveAsync("tempo"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => registry.SendTestTraceAsync("tempo"));
    }

    [Fact]
    public async Task PublishFansOneFragmentOutToEveryEnabledDestination()
    {
        await using OtlpTestReceiver first = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver second = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver disabled = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(first, "first")));
        await registry.AddAsync(OtlpDestination.Create(Options(second, "second")));
        OtlpDestinationOptions off = Options(disabled, "off");
        off.Enabled = false;
        await registry.AddAsync(OtlpDestination.Create(off));
        OtlpSpan rich = DestinationExporterDeliveryTests.RichSpan();

        Publish(registry, rich);
        Assert.True(await registry.FlushAsync(Patience));

        DestinationExporterDeliveryTests.AssertSameSpan(rich, Assert.Single(first.Spans));
        DestinationExporterDeliveryTests.AssertSameSpan(rich, Assert.Single(second.Spans));
        Assert.Empty(disabled.Requests);
        Dictionary<string, DestinationStatistics> stats = registry.List().ToDictionary(i => i.Name, i => i.Statistics);
        Assert.Equal(1, stats["first"].Exported);
        Assert.Equal(1, stats["second"].Exported);
        Assert.Equal(0, stats["off"].Offered);
        Assert.All(stats.Values, s => AssertAccounting(s));
    }

    [Fact]
    public async Task SavingUnderAnExistingNameReplacesTheDestination()
    {
        await using OtlpTestReceiver old = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver replacement = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        Assert.True((await registry.SaveAsync(OtlpDestination.Create(Options(old, "main")))).Saved);
        OtlpSpan queued = Span(1);
        Publish(registry, queued);

        Assert.True((await registry.SaveAsync(OtlpDestination.Create(Options(replacement, "main")))).Saved);
        OtlpSpan later = Span(2);
        Publish(registry, later);
        Assert.True(await registry.FlushAsync(Patience));

        // The replaced exporter sent what it had queued before it went away.
        Assert.Equal(["connection-test", queued.Name], StoredNames(old));
        Assert.Equal(["connection-test", later.Name], StoredNames(replacement));
        DestinationInfo info = Assert.Single(registry.List());
        Assert.Equal(replacement.TracesEndpoint, info.Endpoint);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendTestTraceSendsAThreeSpanGenerationTraceWithContentOnlyWithoutPrivacyMode(bool privacyMode)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        OtlpDestinationOptions options = Options(receiver, "langfuse");
        options.PrivacyMode = privacyMode;
        Assert.True((await registry.SaveAsync(OtlpDestination.Create(options))).Saved);
        receiver.Clear();

        ConnectionTestResult result = await registry.SendTestTraceAsync("langfuse");

        Assert.True(result.Success, result.ToString());
        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.Null(request.DecodeError);
        Assert.Equal(3, request.Spans.Count);
        ReceivedSpan root = Assert.Single(receiver.Spans, s => s.Name == TestTrace.RootName);
        ReceivedSpan generation = Assert.Single(receiver.Spans, s => s.Name == "chat gpt-4o");
        ReceivedSpan attempt = Assert.Single(receiver.Spans, s => s.Name == "provider attempt openai");
        Assert.All(receiver.Spans, s => Assert.Equal(result.TraceId.ToString(), s.TraceId));
        Assert.Null(root.ParentSpanId);
        Assert.Equal(root.SpanId, generation.ParentSpanId);
        Assert.Equal(generation.SpanId, attempt.ParentSpanId);
        Assert.All(receiver.Spans, s => Assert.Equal(3, s.Kind));
        Assert.All(receiver.Spans, s => Assert.Equal("exptests-service", s.Resource["service.name"].AsString()));

        Assert.Equal("chat", generation["gen_ai.operation.name"].AsString());
        Assert.Equal("openai", generation["gen_ai.provider.name"].AsString());
        Assert.Equal("openai/gpt-4o", generation["gen_ai.request.model"].AsString());
        Assert.Equal("gpt-4o-2024-08-06", generation["gen_ai.response.model"].AsString());
        Assert.Equal(9, generation["gen_ai.usage.input_tokens"].AsInt());
        Assert.Equal(12, generation["gen_ai.usage.output_tokens"].AsInt());
        Assert.Equal(21, generation["gen_ai.usage.total_tokens"].AsInt());
        Assert.Equal(0.0001425, generation["gen_ai.usage.cost"].AsDouble());
        Assert.Equal("stop", Assert.Single(generation["gen_ai.response.finish_reasons"].AsArray()).AsString());
        Assert.Equal("openai", attempt["gen_ai.provider.name"].AsString());
        Assert.Equal(443, attempt["server.port"].AsInt());

        bool bodyHasHello = request.Body.Span.IndexOf("Hello!"u8) >= 0;
        if (privacyMode)
        {
            Assert.False(generation.Attributes.ContainsKey("gen_ai.input.messages"));
            Assert.False(generation.Attributes.ContainsKey("gen_ai.output.messages"));
            Assert.All(receiver.Spans, s => Assert.DoesNotContain(s.Attributes.Keys, k => k.EndsWith(".messages", StringComparison.Ordinal)));
            Assert.False(bodyHasHello, "the prompt text reached a privacy-mode destination");
            Assert.DoesNotContain("Hello!", request.BodyText, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("Hello!", generation["gen_ai.input.messages"].AsString(), StringComparison.Ordinal);
            Assert.Contains("Hello!", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
            Assert.True(bodyHasHello, "the content is missing from the body");
        }
    }

    [Fact]
    public async Task PublishingASpanEncodesOneVariantPerPrivacySettingAndNeverSendsContentToPrivacyMode()
    {
        const string Canary = "prompt-canary-5e1f";
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver privateOne = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver privateTwo = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(open, "open")));
        foreach ((OtlpTestReceiver receiver, string name) in new[] { (privateOne, "private-1"), (privateTwo, "private-2") })
        {
            OtlpDestinationOptions options = Options(receiver, name);
            options.PrivacyMode = true;
            await registry.AddAsync(OtlpDestination.Create(options));
        }

        OtlpSpan span = Span(1).With("gen_ai.request.model", "gpt-4o").WithContent("gen_ai.input.messages", $"[\"{Canary}\"]");
        registry.Publish(span);
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal($"[\"{Canary}\"]", Assert.Single(open.Spans)["gen_ai.input.messages"].AsString());
        foreach (OtlpTestReceiver receiver in new[] { privateOne, privateTwo })
        {
            ReceivedSpan received = Assert.Single(receiver.Spans);
            Assert.Equal("gpt-4o", received["gen_ai.request.model"].AsString());
            Assert.False(received.TryGetAttribute("gen_ai.input.messages", out _));
            Assert.DoesNotContain(Canary, System.Text.Encoding.UTF8.GetString(Assert.Single(receiver.Requests).DecompressedBody.Span), StringComparison.Ordinal);
        }
    }

    /// <summary>A hand-built span whose status message may quote the prompt: privacy mode gets the error code without
    /// the message, the other destination the whole status; unmarked, the message goes everywhere, as before.</summary>
    [Theory]
    [InlineData(OtlpProtocol.HttpJson, true)]
    [InlineData(OtlpProtocol.HttpProtobuf, true)]
    [InlineData(OtlpProtocol.HttpJson, false)]
    public async Task AStatusMessageMarkedAsContentIsNeverSentToPrivacyMode(OtlpProtocol protocol, bool marked)
    {
        const string Canary = "status-prompt-canary-3b7d";
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver privacy = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await OpenAndPrivacyMode(open, privacy, protocol);
        OtlpSpan span = Span(4);
        span.Status = SpanStatus.Error($"upstream refused the prompt '{Canary}'");
        span.StatusMessageIsContent = marked;
        Assert.Equal(marked, span.HasContent);

        registry.Publish(span);
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan whole = Assert.Single(open.Spans);
        Assert.Equal(2, whole.StatusCode);
        Assert.Equal($"upstream refused the prompt '{Canary}'", whole.StatusMessage);
        ReceivedSpan withheld = Assert.Single(privacy.Spans);
        Assert.Equal(2, withheld.StatusCode);
        if (marked)
        {
            Assert.True(string.IsNullOrEmpty(withheld.StatusMessage), withheld.StatusMessage);
            Assert.DoesNotContain(Canary, System.Text.Encoding.UTF8.GetString(Assert.Single(privacy.Requests).DecompressedBody.Span), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(whole.StatusMessage, withheld.StatusMessage);
        }
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson)]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    public async Task ContentInAnEventOrALinkIsNeverSentToPrivacyMode(OtlpProtocol protocol)
    {
        const string Canary = "event-prompt-canary-91c2";
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver privacy = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await OpenAndPrivacyMode(open, privacy, protocol);

        // The older GenAI conventions put the prompt into an event; a link may carry content too.
        OtlpSpan span = Span(3);
        var prompt = new SpanEvent("gen_ai.user.message", span.StartTimeUnixNano);
        prompt.Attributes.Add(new SpanAttribute("gen_ai.event.name", "gen_ai.user.message"));
        prompt.Attributes.Add(new SpanAttribute("content", Canary, IsContent: true));
        span.Events.Add(prompt);
        var link = new SpanLink(TraceId.CreateRandom(), SpanId.CreateRandom());
        link.Attributes.Add(new SpanAttribute("link.reason", "follow-up"));
        link.Attributes.Add(new SpanAttribute("follow_up.question", Canary, IsContent: true));
        span.Links.Add(link);
        registry.Publish(span);
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan withContent = Assert.Single(open.Spans);
        Assert.Equal(Canary, Assert.Single(withContent.Events).Attributes["content"].AsString());
        ReceivedSpan withheld = Assert.Single(privacy.Spans);
        Assert.Equal("gen_ai.user.message", Assert.Single(Assert.Single(withheld.Events).Attributes).Value.AsString());
        Assert.Equal("follow-up", Assert.Single(Assert.Single(withheld.Links).Attributes).Value.AsString());
        Assert.False(
            System.Text.Encoding.UTF8.GetString(Assert.Single(privacy.Requests).DecompressedBody.Span).Contains(Canary, StringComparison.Ordinal),
            "the content of an event or a link reached the privacy-mode destination");
    }

    /// <summary>A registry with two destinations sending <paramref name="protocol"/>: <c>open</c> to
    /// <paramref name="open"/>, and <c>privacy</c>, in privacy mode, to <paramref name="privacy"/>.</summary>
    private static async Task<DestinationRegistry> OpenAndPrivacyMode(OtlpTestReceiver open, OtlpTestReceiver privacy, OtlpProtocol protocol)
    {
        var registry = new DestinationRegistry(Services);
        OtlpDestinationOptions openOptions = Options(open, "open");
        openOptions.Protocol = protocol;
        await registry.AddAsync(OtlpDestination.Create(openOptions));
        OtlpDestinationOptions privacyOptions = Options(privacy, "privacy");
        privacyOptions.Protocol = protocol;
        privacyOptions.PrivacyMode = true;
        await registry.AddAsync(OtlpDestination.Create(privacyOptions));
        return registry;
    }

    [Fact]
    public async Task AFragmentWithContentIsNeverQueuedForAPrivacyModeDestination()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver privacy = await OtlpTestReceiver.StartAsync();
        await using var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(open, "open")));
        OtlpDestinationOptions options = Options(privacy, "privacy");
        options.PrivacyMode = true;
        await registry.AddAsync(OtlpDestination.Create(options));
        OtlpSpan span = Span(2).WithContent("gen_ai.prompt", "secret prompt");

        SpanFragment full = OtlpJsonSpanEncoder.Encode(span);
        SpanFragment withheld = OtlpJsonSpanEncoder.Encode(span, includeContent: false);
        Assert.False(full.ContentWithheld);
        Assert.True(withheld.ContentWithheld);
        registry.Publish(full);
        registry.Publish(withheld);
        full.Release();
        withheld.Release();
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(2, open.Spans.Count);
        Assert.False(Assert.Single(privacy.Spans).TryGetAttribute("gen_ai.prompt", out _));
    }

    [Fact]
    public async Task DisposingSynchronouslySendsWhatIsQueued()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var registry = new DestinationRegistry(Services);
        await registry.AddAsync(OtlpDestination.Create(Options(receiver, "sync")));
        registry.Publish(Span(7));

        registry.Dispose();

        Assert.Equal("span-7", Assert.Single(receiver.Spans).Name);
        Assert.Empty(registry.Exporters);
    }

    [Fact]
    public async Task ADisposedRegistryRefusesDestinationsInsteadOfStartingAnExporterNothingStops()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        var registry = new DestinationRegistry(Services);
        await registry.DisposeAsync();
        OtlpDestination destination = OtlpDestination.Create(Options(receiver, "late"));

        await Assert.ThrowsAsync<ObjectDisposedException>(() => registry.AddAsync(destination));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => registry.SaveAsync(destination));

        // Nothing runs, nothing is accepted to be lost, and no connection test was sent.
        Assert.Empty(registry.Exporters);
        registry.Publish(Span(1));
        Assert.Empty(receiver.Requests);
    }

    private static void Publish(DestinationRegistry registry, OtlpSpan span)
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(span);
        registry.Publish(fragment);
        fragment.Release();
    }
}

using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// With privacy mixed, the generation span without content is made from the span with content by leaving out the
/// sections that generated writers mark around sensitive members. What a destination in privacy mode receives must
/// be exactly what it receives when its span is encoded on its own, and content must never reach it, whatever the
/// types' writers do.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class DerivedWithheldSpanTests
{
    public static TheoryData<string> Settings => new()
    {
        "json", "protobuf", "router-compatible", "content cut by the limit", "long identity values", "no limit",
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task TheSpanMadeWithoutContentIsTheSpanEncodedWithoutContent(string setting)
    {
        // The same request three times: to a destination with content and one in privacy mode together (the span
        // without content is made from the other), and to each alone (each encoded on its own).
        (ReceivedSpan Open, ReceivedSpan Private, long Truncated, long Derived) together = await BroadcastAsync(setting, open: true, privacy: true);
        (ReceivedSpan Open, ReceivedSpan Private, long Truncated, long Derived) privateAlone = await BroadcastAsync(setting, open: false, privacy: true);
        (ReceivedSpan Open, ReceivedSpan Private, long Truncated, long Derived) openAlone = await BroadcastAsync(setting, open: true, privacy: false);

        Assert.Equal(1, together.Derived);
        Assert.Equal(0, privateAlone.Derived);
        Assert.Equal(Describe(privateAlone.Private), Describe(together.Private));
        Assert.Equal(Describe(openAlone.Open), Describe(together.Open));
        Assert.False(together.Private.Attributes.ContainsKey("gen_ai.input.messages") || together.Private.Attributes.ContainsKey("gen_ai.prompt"));

        // What each variant cut is counted as if each had been encoded on its own.
        Assert.Equal(privateAlone.Truncated + openAlone.Truncated, together.Truncated);
    }

    [Theory]
    [InlineData(true, true, 1)]
    [InlineData(false, true, 1)]
    [InlineData(false, false, 0)]
    public async Task TheDestinationsOrderDoesNotMatterAndTurnedOffEverySpanIsEncoded(bool contentFirst, bool derive, int derived)
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions openOptions = Options(open, "open");
        OtlpDestinationOptions withheldOptions = Options(withheld, "private", privacyMode: true);
        await using DestinationRegistry registry = await RegistryAsync(contentFirst ? [openOptions, withheldOptions] : [withheldOptions, openOptions]);
        var broadcaster = new GenerationBroadcaster(registry) { DeriveSpansWithoutContent = derive };

        broadcaster.StartChat(MissionRequest(), provider: "openai").CompleteChat(Response("reply-text-7c41"));
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(derived, broadcaster.WithheldSpansDerived);
        Assert.True(open.Spans.Single(s => s.Name == "Generate Response").Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.True(withheld.Spans.Single(s => s.Name == "Generate Response").Attributes.ContainsKey("gen_ai.response.id"));
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "reply-text-7c41"), "content reached the privacy-mode destination");
    }

    [Fact]
    public async Task AFailedGenerationWhoseMessageIsWithheldIsEncodedAgain()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(open, "open"), Options(withheld, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);

        broadcaster.StartChat(MissionRequest()).Fail("upstream_error", "the upstream said: quoted-prompt-91ad");
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(0, broadcaster.WithheldSpansDerived);
        Assert.Equal("upstream_error", withheld.Spans.Single(s => s.Name == "Generate Response").StatusMessage);
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "quoted-prompt-91ad"), "the error message reached the privacy-mode destination");
    }

    public static TheoryData<string> UntrustedWriters => new() { "sealed, not marked", "marked, not sealed" };

    /// <summary>A writer that checks <c>includeContent</c> without marking its content: its span without content
    /// must be encoded on its own, or the content would reach the destination in privacy mode.</summary>
    [Theory]
    [MemberData(nameof(UntrustedWriters))]
    public async Task ContentOfAWriterThatCannotBeTrustedToMarkItNeverReachesAPrivacyModeDestination(string writer)
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(open, "open"), Options(withheld, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);
        var context = new GenerationContext { Model = "m", Provider = "p" };

        if (writer == "sealed, not marked")
        {
            broadcaster.Start(new UnmarkedSealedRequest("request"), context).Complete(new UnmarkedSealedRequest("response"));
        }
        else
        {
            broadcaster.Start(new MarkedUnsealedRequest("request"), context).Complete(new MarkedUnsealedRequest("response"));
        }

        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(0, broadcaster.WithheldSpansDerived);
        ReceivedSpan withContent = open.Spans.Single(s => s.Attributes.ContainsKey("custom.request.prompt"));
        Assert.Equal("secret-prompt-40be", withContent["custom.request.prompt"].AsString());
        Assert.Equal("secret-prompt-40be", withContent["custom.response.prompt"].AsString());
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "secret-prompt-40be"), "content reached the privacy-mode destination");
        ReceivedSpan withoutContent = withheld.Spans.Single(s => s.Attributes.ContainsKey("custom.request.size"));
        Assert.Equal(3, withoutContent["custom.response.size"].AsInt());
    }

    /// <summary>
    /// A writer trusted to mark its content whose attributes change between two writings: the first leaves some out
    /// (past the per-span limit), so the span is written again to count them. What the first writing recorded must
    /// not be used to cut the second.
    /// </summary>
    [Fact]
    public async Task ASpanWrittenAgainToCountAttributesLeftOutIsEncodedWithoutContentOnItsOwn()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(open, "open"), Options(withheld, "private", privacyMode: true));
        var broadcaster = new GenerationBroadcaster(registry);

        broadcaster.Start(new ShrinkingWriter("request"), new GenerationContext { Model = "m", Provider = "p" }).Complete(new ShrinkingWriter("response"));
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
        Assert.Equal(0, broadcaster.WithheldSpansDerived);
        Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, "secret-prompt-40be"), "content reached the privacy-mode destination");
        Assert.Contains(withheld.Spans, s => s.Attributes.ContainsKey("app.request.extra.0"));
    }

    /// <summary>
    /// When the destination in privacy mode comes first, the span with content is encoded first for the one after it.
    /// If that fails, the destination in privacy mode still gets its span, as it did before that reordering.
    /// </summary>
    [Fact]
    public async Task AFailureEncodingContentAheadOfItsTurnDoesNotCostTheDestinationBeforeIt()
    {
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(withheld, "private", privacyMode: true), Options(open, "open"));
        var broadcaster = new GenerationBroadcaster(registry);

        broadcaster.Start(new ContentThrowsWriter("request"), new GenerationContext { Model = "m", Provider = "p" }).Complete(new ContentThrowsWriter("response"));
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(2, withheld.Spans.Count);
        Assert.Contains(withheld.Spans, s => s.Attributes.ContainsKey("app.request.size"));
        Assert.Empty(open.Spans);
        Assert.Equal(1, broadcaster.GetStatistics().InternalErrors);
    }

    private static async Task<(ReceivedSpan Open, ReceivedSpan Private, long Truncated, long Derived)> BroadcastAsync(string setting, bool open, bool privacy)
    {
        await using OtlpTestReceiver openReceiver = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver privateReceiver = await OtlpTestReceiver.StartAsync();
        var destinations = new List<OtlpDestinationOptions>();
        if (open)
        {
            destinations.Add(Configure(Options(openReceiver, "open"), setting));
        }

        if (privacy)
        {
            destinations.Add(Configure(Options(privateReceiver, "private", privacyMode: true), setting));
        }

        await using DestinationRegistry registry = await RegistryAsync([.. destinations]);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        if (setting == "long identity values")
        {
            request.User = "u" + new string('1', 300);
        }

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
        recording.CompleteChat(Response(string.Concat(Enumerable.Repeat("A long answer. ", 10))), new GenerationCost(0.001, 0.002));
        Assert.True(await registry.FlushAsync(Patience));

        return (
            open ? openReceiver.Spans.Single(s => s.Name == "Generate Response") : null!,
            privacy ? privateReceiver.Spans.Single(s => s.Name == "Generate Response") : null!,
            broadcaster.GetStatistics().TruncatedValues,
            broadcaster.WithheldSpansDerived);
    }

    private static OtlpDestinationOptions Configure(OtlpDestinationOptions options, string setting)
    {
        switch (setting)
        {
            case "protobuf":
                options.Protocol = OtlpProtocol.HttpProtobuf;
                break;
            case "router-compatible":
                options.Broadcast.ContentFormat = ContentFormat.RouterCompatible;
                break;
            case "content cut by the limit":
                options.Broadcast.MaxContentLength = 40;
                break;
            case "no limit":
                options.Broadcast.MaxContentLength = 0;
                break;
        }

        return options;
    }

    /// <summary>Everything about a span but its ids and times, attributes in the order written.</summary>
    private static string Describe(ReceivedSpan span)
        => string.Join(
            "\n",
            [
                $"{span.Name} kind {span.Kind} status {span.StatusCode} '{span.StatusMessage}' dropped {span.DroppedAttributesCount} flags {span.Flags}",
                .. span.Attributes.Select(a => a.Key + " = " + a.Value),
            ]);

    /// <summary>Writes content when asked without marking it; sealed, not marked as generated.</summary>
    private sealed class UnmarkedSealedRequest(string part) : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
            => WriteUnmarked(ref sink, part, includeContent);
    }

    /// <summary>Marked as a generated writer would be, but a subclass could write anything: not sealed.</summary>
    [OtlpContentSections]
    private class MarkedUnsealedRequest(string part) : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
            => WriteUnmarked(ref sink, part, includeContent);
    }

    /// <summary>Marks its content as generated writers do; writes 200 extra attributes the first time only.</summary>
    [OtlpContentSections]
    private sealed class ShrinkingWriter(string part) : IOtlpAttributes
    {
        private int _writes;

        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
        {
            int extra = ++_writes == 1 ? 200 : 1;
            if (includeContent)
            {
                GeneratedAttributeWriter.BeginContent(ref sink);
                sink.Write(System.Text.Encoding.UTF8.GetBytes("app." + part + ".prompt"), "secret-prompt-40be");
                GeneratedAttributeWriter.EndContent(ref sink);
            }

            for (int i = 0; i < extra; i++)
            {
                sink.Write(System.Text.Encoding.UTF8.GetBytes("app." + part + ".extra." + i), (long)i);
            }
        }
    }

    /// <summary>Marks its content as generated writers do; reading the content fails.</summary>
    [OtlpContentSections]
    private sealed class ContentThrowsWriter(string part) : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
        {
            sink.Write(System.Text.Encoding.UTF8.GetBytes("app." + part + ".size"), 3L);
            if (includeContent)
            {
                GeneratedAttributeWriter.BeginContent(ref sink);
                throw new InvalidOperationException("The content could not be read.");
            }
        }
    }

    private static void WriteUnmarked<TSink>(ref TSink sink, string part, bool includeContent) where TSink : struct, IAttributeSink
    {
        sink.Write(System.Text.Encoding.UTF8.GetBytes("custom." + part + ".size"), 3L);
        if (includeContent)
        {
            sink.Write(System.Text.Encoding.UTF8.GetBytes("custom." + part + ".prompt"), "secret-prompt-40be");
        }
    }
}

using System.Text.Json;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// A destination's <see cref="BroadcastSettings.MaxContentLength"/> and the 128-character limit of <c>user.id</c> and
/// <c>session.id</c>: long values are truncated (the span is still sent), never rejected.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class ContentLimitTests
{
    private const int Limit = 1_000;

    [Fact]
    public async Task LongContentIsCutToTheLimitAsValidJsonEndingWithAnEllipsisAndCounted()
    {
        await using OtlpTestReceiver limited = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver unlimited = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions limitedOptions = Options(limited, "limited");
        limitedOptions.Broadcast.MaxContentLength = Limit;
        OtlpDestinationOptions unlimitedOptions = Options(unlimited, "unlimited");
        unlimitedOptions.Broadcast.MaxContentLength = 0;
        await using DestinationRegistry registry = await RegistryAsync(limitedOptions, unlimitedOptions);
        var broadcaster = new GenerationBroadcaster(registry);
        string prompt = "P" + new string('p', 100_000);
        string answer = "A" + new string('a', 100_000);
        ChatCompletionRequest request = MissionRequest();
        request.Messages = [new ChatMessage { Role = "system", Content = "Be brief." }, new ChatMessage { Role = "user", Content = prompt }];

        broadcaster.StartChat(request).CompleteChat(Response(answer));
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan generation = limited.Spans.Single(s => s.Name == "Generate Response");
        string input = generation["gen_ai.input.messages"].AsString();
        string output = generation["gen_ai.output.messages"].AsString();
        Assert.InRange(input.Length, Limit / 2, Limit);
        Assert.InRange(output.Length, Limit / 2, Limit);
        AssertCutJson(input, "Pppp");
        AssertCutJson(output, "Aaaa");
        using (JsonDocument messages = JsonDocument.Parse(input))
        {
            Assert.Equal("Be brief.", messages.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
            Assert.Equal("user", messages.RootElement[1].GetProperty("role").GetString());
        }

        // The two cut values, counted once for the variant that cut them.
        Assert.Equal(2, broadcaster.GetStatistics().TruncatedValues);

        // A destination without a limit gets everything.
        ReceivedSpan whole = unlimited.Spans.Single(s => s.Name == "Generate Response");
        Assert.Contains(prompt, whole["gen_ai.input.messages"].AsString(), StringComparison.Ordinal);
        Assert.Contains(answer, whole["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentWithinTheLimitIsKeptWholeEvenWhenItsEscapedFormIsLonger()
    {
        // Content JSON is rendered for the OTLP/JSON encoder already escaped as a string's inside, which is longer
        // than the JSON (every quote gains a backslash): the limit counts the JSON's characters, not that form's.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await LimitedRegistryAsync(receiver);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        string quoted = string.Concat(Enumerable.Repeat("\"q\" \\ ", 70));
        request.Messages = [new ChatMessage { Role = "user", Content = quoted }];
        string json = "[{\"role\":\"user\",\"content\":\"" + JsonEncodedText.Encode(quoted, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"}]";
        Assert.InRange(json.Length, Limit / 2, Limit);
        Assert.True(json.Length + json.Count(c => c is '"' or '\\') > Limit, "the escaped form is over the limit");

        string tooLong = quoted + quoted;
        broadcaster.StartChat(request).CompleteChat(Response(tooLong));
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "Generate Response");
        using (JsonDocument input = JsonDocument.Parse(generation["gen_ai.input.messages"].AsString()))
        {
            Assert.Equal(quoted, input.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
        }

        // The answer's JSON is over the limit: cut as valid JSON, its quotes and backslashes intact.
        string output = generation["gen_ai.output.messages"].AsString();
        Assert.InRange(output.Length, Limit / 2, Limit);
        AssertCutJson(output, "\"q\" \\ ");
        Assert.Equal(1, broadcaster.GetStatistics().TruncatedValues);
    }

    [Fact]
    public async Task ManyMessagesAreCutToTheLimitAsValidJson()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await LimitedRegistryAsync(receiver);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.Messages = [.. Enumerable.Range(0, 500).Select(i => new ChatMessage
        {
            Role = i % 2 == 0 ? "user" : "assistant",
            Content = $"turn {i}: \"quoted\", 😀, line\nbreak, {new string('t', 200)}",
            Name = "speaker",
        })];

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        string input = receiver.Spans.Single(s => s.Name == "Generate Response")["gen_ai.input.messages"].AsString();
        Assert.True(input.Length <= Limit, $"{input.Length} characters for a limit of {Limit}");
        using JsonDocument messages = JsonDocument.Parse(input);
        Assert.InRange(messages.RootElement.GetArrayLength(), 1, 499);
        Assert.StartsWith("turn 0: \"quoted\"", messages.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, broadcaster.GetStatistics().TruncatedValues);
    }

    [Fact]
    public async Task UserAndSessionIdsLongerThan128AreTruncatedTo128NotRejected()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();

        // No content limit: the identity limit holds on its own.
        OtlpDestinationOptions options = Options(receiver, "local");
        options.Broadcast.MaxContentLength = 0;
        await using DestinationRegistry registry = await RegistryAsync(options);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.User = "u" + new string('1', 300);
        request.SessionId = "s" + new string('2', 129);

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(2, receiver.Spans.Count);
        foreach (ReceivedSpan span in receiver.Spans)
        {
            string user = span["user.id"].AsString();
            string session = span["session.id"].AsString();
            Assert.Equal(128, user.Length);
            Assert.Equal(128, session.Length);
            Assert.Equal(request.User[..127] + "…", user);
            Assert.Equal(request.SessionId[..127] + "…", session);
        }

        // Two values on each of the two spans that carry them.
        Assert.Equal(4, broadcaster.GetStatistics().TruncatedValues);
    }

    [Fact]
    public async Task IdsOfExactly128AreKept()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.User = new string('u', 128);
        request.SessionId = new string('s', 128);

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        Assert.All(receiver.Spans, span => Assert.Equal(request.User, span["user.id"].AsString()));
        Assert.All(receiver.Spans, span => Assert.Equal(request.SessionId, span["session.id"].AsString()));
        Assert.Equal(0, broadcaster.GetStatistics().TruncatedValues);
    }

    [Fact]
    public async Task SpanNamesLongerThanTheLimitAreCutSoTheirSpansAreStillSent()
    {
        // Names come from the request (trace_name, span_name, generation_name, the model) and the provider: a name of
        // 2 MB made its span larger than any batch, and it was dropped whole (the generation with it).
        await using OtlpTestReceiver json = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protobuf = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await LimitedRegistryAsync(json, protobuf);
        var broadcaster = new GenerationBroadcaster(registry);
        const int Huge = 2_000_000;
        ChatCompletionRequest request = MissionRequest();
        request.Model = "M" + new string('m', Huge);
        request.Trace!.TraceName = "T" + new string('t', Huge);

        // A surrogate pair across the cut is left out whole, not split.
        request.Trace.SpanName = "S" + new string('s', Limit - 3) + "😀" + new string('s', Huge);
        request.Trace.GenerationName = null;
        string provider = "P" + new string('p', Huge);

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
        recording.AddAttempt(new ProviderAttempt(provider, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, StatusCode: 200));
        recording.CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        foreach (OtlpTestReceiver receiver in new[] { json, protobuf })
        {
            Assert.Equal(4, receiver.Spans.Count);
            Assert.All(receiver.Spans, s => Assert.InRange(s.Name.Length, Limit - 2, Limit));
            Assert.All(receiver.Spans, s => Assert.EndsWith("…", s.Name, StringComparison.Ordinal));
            Assert.Equal(request.Trace.TraceName[..(Limit - 1)] + "…", receiver.Spans.Single(s => s.Name[0] == 'T').Name);
            Assert.Equal(request.Trace.SpanName[..(Limit - 2)] + "…", receiver.Spans.Single(s => s.Name[0] == 'S').Name);
            Assert.Equal(("chat " + request.Model)[..(Limit - 1)] + "…", receiver.Spans.Single(s => s.Name.StartsWith("chat ", StringComparison.Ordinal)).Name);
            Assert.Equal(("attempt " + provider)[..(Limit - 1)] + "…", receiver.Spans.Single(s => s.Name.StartsWith("attempt ", StringComparison.Ordinal)).Name);
        }

        Assert.All(registry.List(), d => Assert.Equal(0, d.Statistics.DroppedTotal));
    }

    [Fact]
    public async Task ACutSpanNameIsCountedAsATruncatedValue()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await LimitedRegistryAsync(receiver);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();

        // Neither name is also an attribute: the two cuts are the names'.
        request.Trace!.SpanName = new string('s', Limit + 1);
        request.Trace.GenerationName = new string('g', Limit + 1);

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(3, receiver.Spans.Count);
        Assert.Equal(2, broadcaster.GetStatistics().TruncatedValues);
        Assert.Equal(2, registry.List().Single().Statistics.TruncatedValues);
    }

    [Fact]
    public async Task AStatusMessageLongerThanTheLimitIsCutSoTheFailedSpansAreStillSent()
    {
        // An upstream's error page in the message (or a huge error type, the privacy-mode message) made every span
        // that carries the status larger than any batch: the failed generation was dropped whole as TooLarge.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver privacy = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver, "limited");
        options.Broadcast.MaxContentLength = Limit;
        OtlpDestinationOptions privacyOptions = Options(privacy, "limited-privacy", privacyMode: true);
        privacyOptions.Broadcast.MaxContentLength = Limit;
        await using DestinationRegistry registry = await RegistryAsync(options, privacyOptions);
        var broadcaster = new GenerationBroadcaster(registry);
        string message = "M" + new string('m', 2_000_000);
        string errorType = "E" + new string('e', 2_000_000);

        GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(MissionRequest());
        recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, StatusCode: 502, ErrorType: errorType));
        recording.Fail(errorType, message);
        Assert.True(await registry.FlushAsync(Patience));

        string cutMessage = message[..(Limit - 1)] + "…";
        string cutType = errorType[..(Limit - 1)] + "…";
        Assert.Equal(3, receiver.Spans.Count);
        Assert.Equal(3, privacy.Spans.Count);
        Assert.All(receiver.Spans.Concat(privacy.Spans), s => Assert.Equal(2, s.StatusCode));
        Assert.Equal(cutMessage, receiver.Spans.Single(s => s.Name == "Chat Handler").StatusMessage);
        Assert.Equal(cutMessage, receiver.Spans.Single(s => s.Name == "Generate Response").StatusMessage);
        Assert.Equal(cutType, privacy.Spans.Single(s => s.Name == "Chat Handler").StatusMessage);
        Assert.Equal(cutType, privacy.Spans.Single(s => s.Name == "Generate Response").StatusMessage);
        Assert.All([receiver, privacy], r => Assert.Equal(cutType, r.Spans.Single(s => s.Name == "attempt openai").StatusMessage));
        Assert.All(registry.List(), d => Assert.Equal(0, d.Statistics.DroppedTotal));
    }

    /// <summary>One destination, <paramref name="receiver"/>, with content cut to <see cref="Limit"/>, and a protobuf
    /// one alike when <paramref name="protobuf"/> is given.</summary>
    private static Task<DestinationRegistry> LimitedRegistryAsync(OtlpTestReceiver receiver, OtlpTestReceiver? protobuf = null)
    {
        OtlpDestinationOptions options = Options(receiver, "limited");
        options.Broadcast.MaxContentLength = Limit;
        if (protobuf is null)
        {
            return RegistryAsync(options);
        }

        OtlpDestinationOptions protobufOptions = Options(protobuf, "limited-protobuf");
        protobufOptions.Protocol = OtlpBroadcast.Configuration.OtlpProtocol.HttpProtobuf;
        protobufOptions.Broadcast.MaxContentLength = Limit;
        return RegistryAsync(options, protobufOptions);
    }

    private static void AssertCutJson(string value, string expectedStart)
    {
        using JsonDocument document = JsonDocument.Parse(value);
        string? last = ContentTruncationTests.LastString(document.RootElement);
        Assert.NotNull(last);
        Assert.StartsWith(expectedStart, last, StringComparison.Ordinal);
        Assert.EndsWith("…", last, StringComparison.Ordinal);
    }
}

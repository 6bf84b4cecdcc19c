using CsCheck;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// Privacy mode as a property: for random requests and responses whose every content member carries a unique canary,
/// no canary reaches a privacy-mode destination in any byte, on the success, error and streaming paths, while a
/// destination without privacy mode receives every one of them.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class PrivacyPropertyTests
{
    private const int Iterations = 40;

    private static readonly string[] Roles = ["system", "user", "assistant", "tool", "developer"];

    /// <summary>Printable ASCII, any BMP character (lone surrogates included) and control characters.</summary>
    private static readonly Gen<char> AnyChar = Gen.Frequency<char>(
        (4, Gen.Char[' ', '~']),
        (3, Gen.Char['\u0080', '\uFFFF']),
        (1, Gen.Char['\0', '\u001F']));

    /// <summary>Random unicode text: runs of characters mixed with emoji (surrogate pairs, a ZWJ sequence).</summary>
    private static readonly Gen<string> Text = Gen.OneOf(
            AnyChar.Array[0, 8].Select(chars => new string(chars)),
            Gen.OneOf("😀", "👩‍💻", "\"quoted\"", "back\\slash", "line\nbreak", "<tag>&amp;"))
        .Array[0, 4]
        .Select(parts => string.Concat(parts));

    private static readonly Gen<string> NonEmptyText = Text.Select(Gen.Char['a', 'z'], (text, letter) => letter + text);

    /// <summary>A request with 1 to 5 messages, each with content and a name (two holes each for canaries).</summary>
    private static readonly Gen<RequestShape> RequestShapes =
        Gen.Select(
            NonEmptyText,
            Gen.Select(Gen.OneOf(Roles), Text, Text, Text, Text).Array[1, 5],
            Gen.Select(Gen.Double[0, 2].Nullable(), Gen.Double[0, 1].Nullable(), Gen.Int[1, 100].Nullable(), Gen.Int[1, 4096].Nullable()),
            Gen.Select(Text.Array[0, 3].Null(), Gen.Long.Nullable(), Gen.Bool.Nullable(), Text.Null(), Text.Null()),
            Gen.Select(Text, Text, Text).Nullable(0.5),
            (model, messages, sampling, rest, trace) => new RequestShape(model, messages, sampling, rest, trace));

    private static readonly Gen<ResponseShape> ResponseShapes =
        Gen.Select(
            Text.Null(),
            Text.Null(),
            Gen.Select(Text, Text, Text, Text, Gen.OneOf("stop", "length", "tool_calls").Null()).Array[1, 3],
            Gen.Select(Gen.Long[0, 100_000], Gen.Long[0, 100_000], Gen.Double[0, 1].Nullable()).Nullable(),
            (id, model, choices, usage) => new ResponseShape(id, model, choices, usage));

    private static readonly Gen<PrivacyCase> Cases =
        Gen.Select(
            Gen.ULong,
            RequestShapes,
            ResponseShapes,
            Gen.Select(Text, Text).Array[1, 4],
            Gen.Select(Text, Text).Array[1, 4],
            Gen.Select(Text, Text),
            (nonce, request, response, errorChunks, streamChunks, errorMessage)
                => PrivacyCase.Build(nonce, request, response, errorChunks, streamChunks, errorMessage));

    [Fact]
    public async Task NoCanaryReachesThePrivacyDestinationWhileTheOtherReceivesEveryOne()
    {
        await using OtlpTestReceiver withheld = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver open = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(
            Options(withheld, "privacy-on", privacyMode: true),
            Options(open, "privacy-off"));
        var broadcaster = new GenerationBroadcaster(registry);

        await Cases.SampleAsync(
            async sample =>
            {
                withheld.Clear();
                open.Clear();
                BroadcastAllPaths(broadcaster, sample);
                Assert.True(await registry.FlushAsync(Patience), "the registry did not flush within the patience bound");
                AssertProperty(sample, withheld, open);
            },
            iter: Iterations,
            threads: 1,

            // The sample holds the canaries: a failure names the seed to replay, never the canaries themselves.
            print: sample => $"a case with {sample.Canaries.Count} canaries in {sample.Request.Messages.Count} messages");

        Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
    }

    /// <summary>
    /// The same property when every destination sits behind a fault receiver: batches are retried (429, 503, resets,
    /// hangs past the timeout, cut answers), split on 413 down to single spans, partly rejected or refused with 500, and
    /// the privacy-mode destinations also cut every long string (a 16-character limit). No body ever sent to a
    /// privacy-mode destination holds a canary; a destination without privacy mode is sent every one, so the check
    /// cannot pass by sending nothing.
    /// </summary>
    [Fact]
    public async Task UnderFaultsNoBodySentToAPrivacyDestinationHoldsACanaryWhileTheOpenOnesAreSentEveryOne()
    {
        (string Name, OtlpProtocol Protocol, bool Privacy)[] destinations =
        [
            ("open-json", OtlpProtocol.HttpJson, false),
            ("open-protobuf", OtlpProtocol.HttpProtobuf, false),
            ("privacy-json", OtlpProtocol.HttpJson, true),
            ("privacy-protobuf", OtlpProtocol.HttpProtobuf, true),
        ];
        var receivers = new OtlpFaultReceiver[destinations.Length];
        var registry = new DestinationRegistry(Services);
        try
        {
            for (int i = 0; i < destinations.Length; i++)
            {
                receivers[i] = await OtlpFaultReceiver.StartAsync(new OtlpFaultReceiverOptions { Weights = FaultsForPrivacy, KeepBodies = true, RetryAfter = TimeSpan.Zero });
                OtlpDestinationOptions options = Options(receivers[i].TracesEndpoint, destinations[i].Name, destinations[i].Privacy);
                options.Protocol = destinations[i].Protocol;
                options.Compression = destinations[i].Privacy && destinations[i].Protocol == OtlpProtocol.HttpProtobuf ? OtlpCompression.Gzip : OtlpCompression.None;
                // Long enough that a request is never cut mid-body by its own timeout on a loaded machine (with 500 ms
                // a parallel test run sometimes did, and the receiver then refused the half-read body); a hang still
                // costs only this long.
                options.Timeout = TimeSpan.FromSeconds(2);
                options.ExportTimeout = TimeSpan.FromMinutes(2);
                options.MaxAttempts = 8;
                if (destinations[i].Privacy)
                {
                    options.Broadcast.MaxContentLength = 16;
                }

                await registry.AddAsync(OtlpDestination.Create(options));
            }

            var broadcaster = new GenerationBroadcaster(registry);
            var met = new Dictionary<ReceiverFault, int>();
            await Cases.Select(Gen.Int, (sample, faultSeed) => (sample, faultSeed)).SampleAsync(
                async pair =>
                {
                    for (int i = 0; i < receivers.Length; i++)
                    {
                        receivers[i].Reset(seed: pair.faultSeed + i);
                    }

                    BroadcastAllPaths(broadcaster, pair.sample);
                    Assert.True(await registry.FlushAsync(Patience), "the registry did not flush within the patience bound");
                    for (int i = 0; i < receivers.Length; i++)
                    {
                        AssertCanaries(pair.sample, receivers[i], destinations[i].Name, destinations[i].Privacy);
                        foreach (FaultRequest request in receivers[i].Requests.Where(r => r.Fault is not null))
                        {
                            met[request.Fault!.Value] = met.GetValueOrDefault(request.Fault!.Value) + 1;
                        }
                    }
                },
                iter: FaultIterations,
                threads: 1,
                print: pair => $"a case with {pair.sample.Canaries.Count} canaries in {pair.sample.Request.Messages.Count} messages, fault seed {pair.faultSeed}");

            // The faults really happened, and the privacy destinations really cut strings.
            Assert.All(FaultsForPrivacy.Keys, fault => Assert.True(met.GetValueOrDefault(fault) > 0, $"no request met {fault}"));
            Assert.True(registry.Exporters.Where(e => e.Destination.PrivacyMode).All(e => e.GetStatistics().Retries > 0), "the privacy destinations retried");
            Assert.True(broadcaster.GetStatistics().TruncatedValues > 0, "the privacy destinations cut long strings");
            Assert.Equal(0, broadcaster.GetStatistics().InternalErrors);
        }
        finally
        {
            await registry.DisposeAsync();
            foreach (OtlpFaultReceiver? receiver in receivers)
            {
                if (receiver is not null)
                {
                    await receiver.DisposeAsync();
                }
            }
        }
    }

    private const int FaultIterations = 20;

    /// <summary>Every fault, splits and retries the likeliest.</summary>
    private static readonly IReadOnlyDictionary<ReceiverFault, int> FaultsForPrivacy = new Dictionary<ReceiverFault, int>
    {
        [ReceiverFault.Accept] = 4,
        [ReceiverFault.PartialSuccess] = 1,
        [ReceiverFault.TooManyRequests] = 1,
        [ReceiverFault.InternalServerError] = 1,
        [ReceiverFault.ServiceUnavailable] = 2,
        [ReceiverFault.PayloadTooLarge] = 3,
        [ReceiverFault.Hang] = 1,
        [ReceiverFault.Reset] = 1,
        [ReceiverFault.ResetAfterStore] = 1,
        [ReceiverFault.CloseMidBody] = 1,
    };

    private static void AssertCanaries(PrivacyCase sample, OtlpFaultReceiver receiver, string destination, bool privacyMode)
    {
        IReadOnlyList<FaultRequest> requests = receiver.Requests;
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.True(r.Error is null, $"{destination}: request #{r.Index} was refused: {r.Error}"));
        for (int i = 0; i < sample.Canaries.Count; i++)
        {
            (string where, string canary) = sample.Canaries[i];
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(canary);
            bool sent = requests.Any(r => r.Body.Span.IndexOf(bytes) >= 0 || r.DecompressedBody.Span.IndexOf(bytes) >= 0);

            // Never the canary itself in a message: a failure must not print it.
            Assert.True(sent != privacyMode, privacyMode
                ? $"canary #{i} ({where}) reached the privacy-mode destination {destination}"
                : $"canary #{i} ({where}) was never sent to {destination}, which is not in privacy mode");
        }
    }

    private static void BroadcastAllPaths(GenerationBroadcaster broadcaster, PrivacyCase sample)
    {
        // Success.
        GenerationRecording<ChatCompletionRequest> success = broadcaster.StartChat(sample.Request, provider: "openai");
        success.CompleteChat(sample.Response);

        // Error after some streamed output, with a message that quotes content.
        GenerationRecording<ChatCompletionRequest> failure = broadcaster.StartChat(sample.Request);
        foreach (string chunk in sample.StreamedReasoning)
        {
            failure.AppendReasoning(chunk);
        }

        foreach (string chunk in sample.ErrorChunks)
        {
            failure.AppendOutput(chunk);
        }

        failure.Fail("upstream_error", sample.ErrorMessage);

        // Streaming.
        GenerationRecording<ChatCompletionRequest> stream = broadcaster.StartChat(sample.Request);
        foreach (string chunk in sample.StreamedReasoning)
        {
            stream.AppendReasoning(chunk);
        }

        foreach (string chunk in sample.StreamChunks)
        {
            stream.AppendOutput(chunk);
        }

        stream.AppendRefusal(sample.StreamedRefusal);

        stream.CompleteStream("chatcmpl-stream", sample.Response.Model, "stop", sample.Response.Usage);
    }

    private static void AssertProperty(PrivacyCase sample, OtlpTestReceiver withheld, OtlpTestReceiver open)
    {
        Assert.NotEmpty(withheld.Requests);
        Assert.All(withheld.Requests, r => Assert.Null(r.DecodeError));
        Assert.All(open.Requests, r => Assert.Null(r.DecodeError));

        // Both got the same spans: privacy mode withholds content, not spans.
        Assert.Equal(open.Spans.Count, withheld.Spans.Count);
        Assert.True(withheld.Spans.Count >= 6, "each of the three paths sends at least a top span and a generation");

        string openAttributes = ReceivedSpanText.AttributeStrings(open.Spans);
        string openStatus = string.Join('\n', open.Spans.Select(s => s.StatusMessage));
        for (int i = 0; i < sample.Canaries.Count; i++)
        {
            (string where, string canary) = sample.Canaries[i];

            // Never the canary itself in a message: a failure must not print it.
            Assert.False(ReceivedSpanText.AnyRawBodyContains(withheld, canary), $"canary #{i} ({where}) reached the privacy-mode destination");
            string received = where == "error message" ? openStatus : openAttributes;
            Assert.True(received.Contains(canary, StringComparison.Ordinal), $"canary #{i} ({where}) did not reach the destination without privacy mode");
        }
    }

    private sealed record RequestShape(
        string Model,
        (string Role, string ContentBefore, string ContentAfter, string NameBefore, string NameAfter)[] Messages,
        (double? Temperature, double? TopP, int? TopK, int? MaxTokens) Sampling,
        (string[]? Stop, long? Seed, bool? Stream, string? User, string? Session) Rest,
        (string TraceId, string TraceName, string SpanName)? Trace);

    private sealed record ResponseShape(
        string? Id,
        string? Model,
        (string ContentBefore, string ContentAfter, string NameBefore, string NameAfter, string? FinishReason)[] Choices,
        (long Prompt, long Completion, double? Cost)? Usage);

    private sealed class PrivacyCase
    {
        public required ChatCompletionRequest Request { get; init; }

        public required ChatCompletionResponse Response { get; init; }

        public required string[] ErrorChunks { get; init; }

        public required string[] StreamChunks { get; init; }

        public required string[] StreamedReasoning { get; init; }

        public required string StreamedRefusal { get; init; }

        public required string ErrorMessage { get; init; }

        /// <summary>Where each canary was put, and the canary.</summary>
        public required List<(string Where, string Canary)> Canaries { get; init; }

        public static PrivacyCase Build(
            ulong nonce,
            RequestShape request,
            ResponseShape response,
            (string Before, string After)[] errorChunks,
            (string Before, string After)[] streamChunks,
            (string Before, string After) errorMessage)
        {
            var canaries = new List<(string, string)>();

            // Fixed width, so that no canary is a prefix of another; ASCII, so JSON never escapes it.
            string Wrap(string where, string before, string after)
            {
                string canary = $"CNRY{nonce:x16}N{canaries.Count:D3}Z";
                canaries.Add((where, canary));
                return before + canary + after;
            }

            var chatRequest = new ChatCompletionRequest
            {
                Model = request.Model,
                Messages = [.. request.Messages.Select(m => new ChatMessage
                {
                    Role = m.Role,
                    Content = Wrap("request message content", m.ContentBefore, m.ContentAfter),
                    Name = Wrap("request message name", m.NameBefore, m.NameAfter),

                    // A tool message is its answer alone: reasoning goes with the others.
                    ReasoningContent = m.Role == "tool" ? null : Wrap("request message reasoning_content", m.NameAfter, m.ContentBefore),
                })],
                Temperature = request.Sampling.Temperature,
                TopP = request.Sampling.TopP,
                TopK = request.Sampling.TopK,
                MaxTokens = request.Sampling.MaxTokens,
                Stop = request.Rest.Stop?.ToList(),
                Seed = request.Rest.Seed,
                Stream = request.Rest.Stream,
                User = request.Rest.User,
                SessionId = request.Rest.Session,
                Trace = request.Trace is { } trace
                    ? new TraceField { TraceId = trace.TraceId, TraceName = trace.TraceName, SpanName = trace.SpanName }
                    : null,
            };

            var chatResponse = new ChatCompletionResponse
            {
                Id = response.Id,
                Model = response.Model,
                Choices = [.. response.Choices.Select((c, index) => new ChatChoice
                {
                    Index = index,
                    Message = new ChatMessage
                    {
                        Role = "assistant",
                        Content = Wrap("response choice content", c.ContentBefore, c.ContentAfter),
                        Name = Wrap("response choice name", c.NameBefore, c.NameAfter),
                        Reasoning = Wrap("response choice reasoning", c.ContentAfter, c.NameBefore),
                        Refusal = Wrap("response choice refusal", c.NameAfter, c.ContentBefore),
                    },
                    FinishReason = c.FinishReason,
                })],
                Usage = response.Usage is { } usage
                    ? new ChatUsage { PromptTokens = usage.Prompt, CompletionTokens = usage.Completion, TotalTokens = usage.Prompt + usage.Completion, Cost = usage.Cost }
                    : null,
            };

            return new PrivacyCase
            {
                Request = chatRequest,
                Response = chatResponse,
                ErrorChunks = [.. errorChunks.Select(c => Wrap("chunk before an error", c.Before, c.After))],
                StreamChunks = [.. streamChunks.Select(c => Wrap("streamed chunk", c.Before, c.After))],
                StreamedReasoning = [.. streamChunks.Select(c => Wrap("streamed reasoning", c.After, c.Before))],
                StreamedRefusal = Wrap("streamed refusal", errorMessage.After, errorMessage.Before),
                ErrorMessage = Wrap("error message", errorMessage.Before, errorMessage.After),
                Canaries = canaries,
            };
        }
    }
}

using CsCheck;
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

    private static void BroadcastAllPaths(GenerationBroadcaster broadcaster, PrivacyCase sample)
    {
        // Success.
        GenerationRecording<ChatCompletionRequest> success = broadcaster.StartChat(sample.Request, provider: "openai");
        success.CompleteChat(sample.Response);

        // Error after some streamed output, with a message that quotes content.
        GenerationRecording<ChatCompletionRequest> failure = broadcaster.StartChat(sample.Request);
        foreach (string chunk in sample.ErrorChunks)
        {
            failure.AppendOutput(chunk);
        }

        failure.Fail("upstream_error", sample.ErrorMessage);

        // Streaming.
        GenerationRecording<ChatCompletionRequest> stream = broadcaster.StartChat(sample.Request);
        foreach (string chunk in sample.StreamChunks)
        {
            stream.AppendOutput(chunk);
        }

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
                ErrorMessage = Wrap("error message", errorMessage.Before, errorMessage.After),
                Canaries = canaries,
            };
        }
    }
}

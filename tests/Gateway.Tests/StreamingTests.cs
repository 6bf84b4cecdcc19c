using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OtlpBroadcast.Testing;

namespace Gateway.Tests;

/// <summary>
/// <c>"stream": true</c>: the gateway answers with server-sent events as OpenAI-compatible APIs do, relays an
/// upstream's stream, and records each generation with its streamed text and time to the first token, or as failed
/// when the stream cannot start or breaks off.
/// </summary>
public sealed class StreamingTests
{
    private const string StreamedRequest = """
        {"model":"openai/gpt-4o","stream":true,"messages":[{"role":"user","content":"Hello!"}],"user":"user_1",
         "trace":{"trace_id":"stream_trace_1","generation_name":"Streamed Response"}}
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static (string, string)[] Destination(OtlpTestReceiver receiver) =>
    [
        ("OtlpBroadcast:Destinations:0:Name", "configured"),
        ("OtlpBroadcast:Destinations:0:Endpoint", receiver.TracesEndpoint.AbsoluteUri),
    ];

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string body)
        => await client.PostAsync("/api/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

    /// <summary>The <c>data:</c> of every event, in order.</summary>
    private static List<string> Events(string body)
        => [.. body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => Assert.Single(e.Split('\n'), l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..])];

    private static string StreamedText(IEnumerable<string> events) => string.Concat(events
        .Where(e => e != "[DONE]")
        .Select(e => JsonDocument.Parse(e).RootElement)
        .Where(e => e.TryGetProperty("choices", out JsonElement choices) && choices.GetArrayLength() > 0)
        .Select(e => e.GetProperty("choices")[0].GetProperty("delta"))
        .Select(d => d.TryGetProperty("content", out JsonElement content) ? content.GetString() : ""));

    [Fact]
    public async Task AStreamedRequestIsAnsweredWithEventsAndRecordedWithItsTextAndTimeToFirstToken()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication app, HttpClient client) = await GatewayTests.StartAsync(Destination(receiver));
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await PostAsync(client, StreamedRequest);

            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            Assert.Equal("text/event-stream", reply.Content.Headers.ContentType?.MediaType);
            List<string> events = Events(await reply.Content.ReadAsStringAsync());
            Assert.True(events.Count >= 4, string.Join('\n', events));
            Assert.Equal("[DONE]", events[^1]);
            Assert.Equal("Hello! How can I help you today?", StreamedText(events));
            using (JsonDocument first = JsonDocument.Parse(events[0]))
            {
                Assert.Equal("chat.completion.chunk", first.RootElement.GetProperty("object").GetString());
                Assert.Equal("assistant", first.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
            }

            using (JsonDocument last = JsonDocument.Parse(events[^2]))
            {
                Assert.Equal("stop", last.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
                Assert.True(last.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt64() > 0);
            }

            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            ReceivedSpan generation = Assert.Single(spans, s => s.Name == "Streamed Response");
            Assert.Equal(1, generation.StatusCode);
            Assert.True(generation["gen_ai.request.stream"].AsBool());
            Assert.True(generation["gen_ai.response.time_to_first_token"].AsDouble() >= 0);
            Assert.Contains("Hello! How can I help you today?", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
            Assert.Equal("stop", Assert.Single(generation["gen_ai.response.finish_reasons"].AsArray()).AsString());
            Assert.True(generation["gen_ai.usage.output_tokens"].AsInt() > 0);
            Assert.True(generation["gen_ai.usage.cost"].AsDouble() > 0);
            Assert.StartsWith("gen-", generation["gen_ai.response.id"].AsString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnUpstreamStreamIsRelayedChunkByChunk()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication upstream, HttpClient upstreamClient) = await GatewayTests.StartAsync();
        await using (upstream)
        using (upstreamClient)
        {
            (WebApplication app, HttpClient client) = await GatewayTests.StartAsync(
                [.. Destination(receiver), ("Gateway:Upstream:BaseUrl", upstream.Urls.First() + "/api/v1"), ("Gateway:Upstream:Provider", "upstream-gw")]);
            await using (app)
            using (client)
            {
                using HttpResponseMessage reply = await PostAsync(client, StreamedRequest);

                Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
                List<string> events = Events(await reply.Content.ReadAsStringAsync());
                Assert.Equal("[DONE]", events[^1]);
                Assert.Equal("Hello! How can I help you today?", StreamedText(events));

                await app.StopAsync();
                IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
                ReceivedSpan generation = Assert.Single(spans, s => s.Name == "Streamed Response");
                Assert.Equal("upstream-gw", generation["gen_ai.provider.name"].AsString());
                Assert.Equal(1, generation.StatusCode);
                Assert.Contains("How can I help", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
                Assert.True(generation["gen_ai.usage.cost"].AsDouble() > 0);
            }
        }
    }

    [Fact]
    public async Task AnUpstreamThatRefusesTheStreamGets502AndAFailedGeneration()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication upstream, WebApplication app, HttpClient client) = await BehindFakeUpstreamAsync(receiver, async http =>
        {
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("overloaded");
        });
        await using (upstream)
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await PostAsync(client, StreamedRequest);

            Assert.Equal(HttpStatusCode.BadGateway, reply.StatusCode);
            Assert.Equal("application/json", reply.Content.Headers.ContentType?.MediaType);
            Assert.Contains("503", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            ReceivedSpan generation = Assert.Single(spans, s => s.Name == "Streamed Response");
            Assert.Equal(2, generation.StatusCode);
            Assert.Contains(spans, s => s.TryGetAttribute("http.response.status_code", out ReceivedValue? status) && status.AsInt() == 503);
        }
    }

    [Fact]
    public async Task AStreamThatBreaksOffEndsWithAnErrorEventAndIsRecordedAsFailedWithItsTextSoFar()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication upstream, WebApplication app, HttpClient client) = await BehindFakeUpstreamAsync(receiver, async http =>
        {
            http.Response.ContentType = "text/event-stream";
            await http.Response.WriteAsync(": OPENROUTER PROCESSING\n\n");
            await http.Response.WriteAsync("""data: {"id":"up-1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Partial "}}]}""" + "\n\n");
            await http.Response.WriteAsync("""data: {"id":"up-1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"answer"}}]}""" + "\n\n");
            await http.Response.WriteAsync("data: {not json\n\n");
        });
        await using (upstream)
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await PostAsync(client, StreamedRequest);

            // The status went with the first chunk: the break is told in the stream.
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            List<string> events = Events(await reply.Content.ReadAsStringAsync());
            Assert.Equal("Partial answer", StreamedText(events.Take(events.Count - 1)));
            Assert.DoesNotContain("[DONE]", events);
            using (JsonDocument error = JsonDocument.Parse(events[^1]))
            {
                Assert.Equal("The upstream stream broke off.", error.RootElement.GetProperty("error").GetProperty("message").GetString());
            }

            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            ReceivedSpan generation = Assert.Single(spans, s => s.Name == "Streamed Response");
            Assert.Equal(2, generation.StatusCode);
            Assert.Contains("Partial answer", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
            Assert.True(generation.TryGetAttribute("error.type", out _));
        }
    }

    [Fact]
    public async Task AClientThatDisconnectsMidStreamIsRecordedAsCancelledWithItsTextSoFar()
    {
        // As the SDK's chat client middleware records a stream its caller abandons: error.type "cancelled", not the type
        // of the exception the abandoned upstream read happened to end with.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication upstream, WebApplication app, HttpClient client) = await BehindFakeUpstreamAsync(receiver, async http =>
        {
            http.Response.ContentType = "text/event-stream";
            await http.Response.WriteAsync("""data: {"id":"up-3","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Partial "}}]}""" + "\n\n");
            await http.Response.Body.FlushAsync();
            try
            {
                // The rest never comes: the stream stays open until the gateway gives up on it.
                await Task.Delay(Timeout.InfiniteTimeSpan, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        }, ("OtlpBroadcast:Destinations:0:ScheduledDelay", "00:00:00.100"));
        await using (upstream)
        await using (app)
        using (client)
        {
            // Without draining, disposing an unfinished response closes its connection at once: the client is gone.
            using (var disconnecting = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = client.BaseAddress })
            using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chat/completions") { Content = new StringContent(StreamedRequest, Encoding.UTF8, "application/json") })
            using (HttpResponseMessage reply = await disconnecting.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
                using var events = new StreamReader(await reply.Content.ReadAsStreamAsync());
                Assert.Contains("Partial ", await events.ReadLineAsync(), StringComparison.Ordinal);
            }

            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            ReceivedSpan generation = Assert.Single(spans, s => s.Name == "Streamed Response");
            Assert.Equal(2, generation.StatusCode);
            Assert.Equal("cancelled", generation["error.type"].AsString());
            Assert.Contains("Partial ", generation["gen_ai.output.messages"].AsString(), StringComparison.Ordinal);
            ReceivedSpan attempt = Assert.Single(spans, s => s.Name.StartsWith("attempt ", StringComparison.Ordinal));
            Assert.Equal("cancelled", attempt["error.type"].AsString());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AStreamedCallAsksTheUpstreamForUsageAndRelaysTheUsageChunkOnlyToACallerWhoAskedForIt(bool callerAsks)
    {
        // OpenAI sends usage in a stream only when asked (stream_options.include_usage), in a last chunk without
        // choices: the gateway asks for it to record tokens and cost, and keeps that chunk from a caller who did not.
        string? forwarded = null;
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication upstream, WebApplication app, HttpClient client) = await BehindFakeUpstreamAsync(receiver, async http =>
        {
            forwarded = await new StreamReader(http.Request.Body).ReadToEndAsync();
            http.Response.ContentType = "text/event-stream";
            await http.Response.WriteAsync("""data: {"id":"up-2","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}""" + "\n\n");
            await http.Response.WriteAsync("""data: {"id":"up-2","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""" + "\n\n");
            await http.Response.WriteAsync("""data: {"id":"up-2","object":"chat.completion.chunk","model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}""" + "\n\n");
            await http.Response.WriteAsync("data: [DONE]\n\n");
        });
        await using (upstream)
        await using (app)
        using (client)
        {
            string request = callerAsks
                ? """{"model":"openai/gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello!"}],"trace":{"generation_name":"Streamed Response"}}"""
                : """{"model":"openai/gpt-4o","stream":true,"messages":[{"role":"user","content":"Hello!"}],"trace":{"generation_name":"Streamed Response"}}""";
            using HttpResponseMessage reply = await PostAsync(client, request);

            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            List<string> events = Events(await reply.Content.ReadAsStringAsync());
            Assert.Equal("Hi", StreamedText(events));
            Assert.Equal(callerAsks, events.Any(e => e.Contains("\"usage\"", StringComparison.Ordinal)));
            Assert.Equal("[DONE]", events[^1]);
            using (JsonDocument sent = JsonDocument.Parse(forwarded!))
            {
                Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean(), forwarded);
            }

            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            ReceivedSpan generation = Assert.Single(spans, s => s.Name == "Streamed Response");
            Assert.Equal(9, generation["gen_ai.usage.input_tokens"].AsInt());
            Assert.Equal(1, generation["gen_ai.usage.output_tokens"].AsInt());
        }
    }

    [Fact]
    public async Task AStreamsReasoningAndRefusalAreRelayedAsTheyCameAndRecordedAsParts()
    {
        // OpenRouter streams delta.reasoning, DeepSeek and vLLM delta.reasoning_content, OpenAI delta.refusal (and
        // "refusal":null in every delta): the caller gets the chunks as they came, the generation the parts a
        // response with the same reasoning, text and refusal would have.
        string[] deltas =
        [
            """{"role":"assistant","content":"","reasoning":"Think ","refusal":null}""",
            """{"reasoning_content":"first."}""",
            """{"content":"Hi"}""",
            """{"refusal":"No more."}""",
        ];
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication upstream, WebApplication app, HttpClient client) = await BehindFakeUpstreamAsync(receiver, async http =>
        {
            http.Response.ContentType = "text/event-stream";
            foreach (string delta in deltas)
            {
                await http.Response.WriteAsync($$"""data: {"id":"up-4","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{{delta}}}]}""" + "\n\n");
            }

            await http.Response.WriteAsync("""data: {"id":"up-4","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""" + "\n\n");
            await http.Response.WriteAsync("data: [DONE]\n\n");
        });
        await using (upstream)
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await PostAsync(client, StreamedRequest);

            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            List<string> events = Events(await reply.Content.ReadAsStringAsync());
            for (int i = 0; i < deltas.Length; i++)
            {
                using JsonDocument expected = JsonDocument.Parse(deltas[i]);
                using JsonDocument relayed = JsonDocument.Parse(events[i]);
                JsonElement delta = relayed.RootElement.GetProperty("choices")[0].GetProperty("delta");
                Assert.True(JsonElement.DeepEquals(expected.RootElement, delta), delta.GetRawText());
            }

            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            ReceivedSpan generation = Assert.Single(spans, s => s.Name == "Streamed Response");
            Assert.Equal(
                """[{"role":"assistant","parts":[{"type":"reasoning","content":"Think first."},{"type":"text","content":"Hi"},{"type":"text","content":"No more."}],"finish_reason":"stop"}]""",
                generation["gen_ai.output.messages"].AsString());
        }
    }

    [Fact]
    public async Task AnUnreadableAnswerToACallNotStreamedGets502AndIsStillRecorded()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        (WebApplication upstream, WebApplication app, HttpClient client) = await BehindFakeUpstreamAsync(receiver, async http =>
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"choices\": [");
        });
        await using (upstream)
        await using (app)
        using (client)
        {
            using HttpResponseMessage reply = await PostAsync(client, """{"model":"openai/gpt-4o","messages":[{"role":"user","content":"Hello!"}]}""");

            Assert.Equal(HttpStatusCode.BadGateway, reply.StatusCode);
            Assert.Contains("could not be read", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await app.StopAsync();
            IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(3, Patience);
            Assert.Contains(spans, s => s.StatusCode == 2 && s.TryGetAttribute("error.type", out ReceivedValue? type) && type.AsString() == "JsonException");
        }
    }

    /// <summary>A gateway broadcasting to <paramref name="receiver"/> whose upstream, on loopback, answers
    /// <c>/chat/completions</c> with <paramref name="answer"/>; <paramref name="settings"/> configure it further.</summary>
    private static async Task<(WebApplication Upstream, WebApplication App, HttpClient Client)> BehindFakeUpstreamAsync(
        OtlpTestReceiver receiver, Func<HttpContext, Task> answer, params (string Key, string Value)[] settings)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        WebApplication upstream = builder.Build();
        upstream.Urls.Add("http://127.0.0.1:0");
        upstream.MapPost("/chat/completions", answer);
        await upstream.StartAsync();
        (WebApplication app, HttpClient client) = await GatewayTests.StartAsync([.. Destination(receiver), ("Gateway:Upstream:BaseUrl", upstream.Urls.First()), .. settings]);
        return (upstream, app, client);
    }
}

using System.Diagnostics;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>The span tree of requests: shared traces, the intermediate span, parents given or ambient, default names.</summary>
[Collection(BroadcastCollection.Name)]
public class TraceShapeTests
{
    private const uint HasIsRemote = 0x100;
    private const uint IsRemote = 0x200;

    [Fact]
    public async Task ThreeRequestsSharingATraceIdFormOneWellFormedTrace()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);

        for (int i = 0; i < 3; i++)
        {
            ChatCompletionRequest request = MissionRequest();
            request.Trace!.SpanName = i == 1 ? "Retrieve Context" : null;
            GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(request, provider: "openai");
            recording.AddAttempt(new ProviderAttempt("openai", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 429, "rate_limited"));
            recording.AddAttempt(new ProviderAttempt("azure", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 200));
            recording.CompleteChat(Response());
        }

        Assert.True(await registry.FlushAsync(Patience));

        IReadOnlyList<ReceivedSpan> spans = receiver.Spans;
        Assert.Equal((3 * 4) + 1, spans.Count);
        string traceId = TraceId.FromString("app_trace_001").ToString();
        Assert.All(spans, s => Assert.Equal(traceId, s.TraceId));
        Assert.Equal(spans.Count, spans.Select(s => s.SpanId).Distinct().Count());
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        Assert.All(spans, s => Assert.True(s.ParentSpanId is null || ids.Contains(s.ParentSpanId), $"{s} has a parent that was not received"));

        // One top span per request, each the root of its own request's spans.
        ReceivedSpan[] tops = [.. spans.Where(s => s.ParentSpanId is null)];
        Assert.Equal(3, tops.Length);
        Assert.All(tops, top => Assert.Equal("Chat Handler", top.Name));
        Assert.All(tops, top => Assert.Equal(HasIsRemote, top.Flags & (HasIsRemote | IsRemote)));
        Assert.All(spans.Where(s => s["span.type"].AsString() != "attempt"), s => Assert.Equal("app_trace_001", s["trace.trace_id"].AsString()));
        Assert.Equal([3, 3, 4], tops.Select(top => Descendants(spans, top).Count()).Order());
        Assert.All(spans.Where(s => s.Name.StartsWith("attempt ", StringComparison.Ordinal)), attempt =>
            Assert.Equal("Generate Response", spans.Single(s => s.SpanId == attempt.ParentSpanId).Name));
        ReceivedSpan failedAttempt = spans.First(s => s.Name == "attempt openai");
        Assert.Equal(2, failedAttempt.StatusCode);
        Assert.Equal("rate_limited", failedAttempt["error.type"].AsString());
        Assert.Equal(1, failedAttempt["gen_ai.attempt.number"].AsInt());
    }

    [Fact]
    public async Task SpanNameAddsAnIntermediateSpanBetweenTheTopSpanAndTheGeneration()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.Trace!.SpanName = "Retrieve Context";

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(3, receiver.Spans.Count);
        ReceivedSpan top = receiver.Spans.Single(s => s.Name == "Chat Handler");
        ReceivedSpan intermediate = receiver.Spans.Single(s => s.Name == "Retrieve Context");
        ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "Generate Response");
        Assert.Null(top.ParentSpanId);
        Assert.Equal(top.SpanId, intermediate.ParentSpanId);
        Assert.Equal(intermediate.SpanId, generation.ParentSpanId);
        Assert.Equal((int)SpanKind.Internal, intermediate.Kind);
        Assert.Equal("span", intermediate["span.type"].AsString());
        Assert.Equal("staging", intermediate["trace.metadata.environment"].AsString());
    }

    [Theory]
    [InlineData("00f067aa0ba902b7", "00f067aa0ba902b7")]
    [InlineData("00F067AA0BA902B7", "00f067aa0ba902b7")]
    [InlineData("caller-span-7", null)]
    public async Task ParentSpanIdMakesTheTopSpanItsChild(string given, string? expectedHex)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.Trace!.ParentSpanId = given;

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        string expected = expectedHex ?? SpanId.FromString(given).ToString();
        Assert.Matches("^[0-9a-f]{16}$", expected);
        ReceivedSpan top = receiver.Spans.Single(s => s.Name == "Chat Handler");
        ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "Generate Response");
        Assert.Equal(expected, top.ParentSpanId);
        Assert.Equal(HasIsRemote | IsRemote, top.Flags & (HasIsRemote | IsRemote));
        Assert.Equal(top.SpanId, generation.ParentSpanId);
        Assert.Equal(TraceId.FromString("app_trace_001").ToString(), top.TraceId);
    }

    [Fact]
    public async Task WithoutATraceFieldTheAmbientActivityIsTheParent()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.Trace = null;

        GenerationRecording<ChatCompletionRequest> recording;
        using (Activity ambient = BroadcastTestKit.StartRecordedActivity("incoming request"))
        {
            recording = broadcaster.StartChat(request);
            Assert.Equal(ambient.TraceId.ToHexString(), recording.TraceId.ToString());
            ambient.Stop();

            // Completed after the activity ended: the parent was taken at the start.
            recording.CompleteChat(Response());
            Assert.True(await registry.FlushAsync(Patience));

            ReceivedSpan top = receiver.Spans.Single(s => s.Name == "chat request");
            Assert.Equal(ambient.TraceId.ToHexString(), top.TraceId);
            Assert.Equal(ambient.SpanId.ToHexString(), top.ParentSpanId);

            // The ambient activity is this process's own span (the service's request span is the server span): the
            // parent is known and not remote, and the top span is its internal child.
            Assert.Equal((int)SpanKind.Internal, top.Kind);
            Assert.Equal(HasIsRemote, top.Flags & (HasIsRemote | IsRemote));
            Assert.All(receiver.Spans, s => Assert.Equal(ambient.TraceId.ToHexString(), s.TraceId));
            Assert.All(receiver.Spans, s => Assert.False(s.Attributes.ContainsKey("trace.trace_id")));
        }
    }

    [Fact]
    public async Task UnderAnAmbientActivityNobodyRecordsTheTopSpanIsTheServerSpanUnderTheCallersSpanOrARoot()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);

        // As ASP.NET Core leaves a request without a tracing SDK: with the caller's traceparent, and without one.
        using (Activity fromCaller = new Activity("incoming request").SetIdFormat(ActivityIdFormat.W3C))
        {
            fromCaller.SetParentId(ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"), ActivitySpanId.CreateFromString("00f067aa0ba902b7"), ActivityTraceFlags.Recorded);
            fromCaller.Start();
            fromCaller.ActivityTraceFlags = ActivityTraceFlags.None;
            ChatCompletionRequest request = MissionRequest();
            request.Trace = new TraceField { TraceName = "from caller" };
            broadcaster.StartChat(request).CompleteChat(Response());
        }

        Activity? ownRoot;
        using (ownRoot = new Activity("incoming request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            ChatCompletionRequest request = MissionRequest();
            request.Trace = new TraceField { TraceName = "no caller" };
            broadcaster.StartChat(request).CompleteChat(Response());
        }

        Assert.True(await registry.FlushAsync(Patience));
        ReceivedSpan underCaller = receiver.Spans.Single(s => s.Name == "from caller");
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", underCaller.TraceId);
        Assert.Equal("00f067aa0ba902b7", underCaller.ParentSpanId);
        Assert.Equal((int)SpanKind.Server, underCaller.Kind);
        Assert.Equal(HasIsRemote | IsRemote, underCaller.Flags & (HasIsRemote | IsRemote));

        ReceivedSpan root = receiver.Spans.Single(s => s.Name == "no caller");
        Assert.Null(root.ParentSpanId);
        Assert.NotEqual(ownRoot.TraceId.ToHexString(), root.TraceId);
        Assert.Equal((int)SpanKind.Server, root.Kind);
    }

    [Fact]
    public async Task ATraceIdWinsOverTheAmbientActivityAndAParentSpanIdAloneJoinsIt()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        using Activity ambient = BroadcastTestKit.StartRecordedActivity("incoming request");

        broadcaster.StartChat(MissionRequest()).CompleteChat(Response());
        ChatCompletionRequest parentOnly = MissionRequest();
        parentOnly.Trace = new TraceField { ParentSpanId = "00f067aa0ba902b7", TraceName = "parent only" };
        broadcaster.StartChat(parentOnly).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan byTraceId = receiver.Spans.Single(s => s.Name == "Chat Handler");
        Assert.Equal(TraceId.FromString("app_trace_001").ToString(), byTraceId.TraceId);
        Assert.Null(byTraceId.ParentSpanId);
        ReceivedSpan byParent = receiver.Spans.Single(s => s.Name == "parent only");
        Assert.Equal(ambient.TraceId.ToHexString(), byParent.TraceId);
        Assert.Equal("00f067aa0ba902b7", byParent.ParentSpanId);

        // A parent_span_id came with the request, from the caller's process: the top span serves that caller.
        Assert.All([byTraceId, byParent], top => Assert.Equal((int)SpanKind.Server, top.Kind));
        Assert.Equal(HasIsRemote | IsRemote, byParent.Flags & (HasIsRemote | IsRemote));
    }

    [Fact]
    public async Task WithoutNamesTheSpansAreNamedAfterTheOperationAndModel()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.Trace = new TraceField { TraceId = "named-nothing" };

        broadcaster.StartChat(request).CompleteChat(Response());
        var embedding = new ChatCompletionRequest { Model = "text-embedding-3-small" };
        broadcaster.Start(embedding, new GenerationContext { Operation = "embeddings", Model = embedding.Model }).Complete(Response());
        broadcaster.Start(new ChatCompletionRequest(), new GenerationContext()).Complete(Response());
        Assert.True(await registry.FlushAsync(Patience));

        Assert.Equal(
            ["chat", "chat openai/gpt-4o", "chat request", "chat request", "embeddings request", "embeddings text-embedding-3-small"],
            receiver.Spans.Select(s => s.Name).Order(StringComparer.Ordinal));
        ReceivedSpan top = receiver.Spans.First(s => s.Name == "chat request" && s.TraceId == TraceId.FromString("named-nothing").ToString());
        Assert.Equal((int)SpanKind.Server, top.Kind);
        Assert.False(top.Attributes.ContainsKey("trace.name"));
    }

    private static IEnumerable<ReceivedSpan> Children(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan parent)
        => spans.Where(s => s.ParentSpanId == parent.SpanId);

    private static IEnumerable<ReceivedSpan> Descendants(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan parent)
        => Children(spans, parent).SelectMany(child => Descendants(spans, child).Prepend(child));
}

using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.GenAi.BroadcastTestKit;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// The limits of a recorded generation: at most 128 attributes per span (the rest left out and reported in the span's
/// <c>droppedAttributesCount</c>), at most 1024 items per array or key-value list, strings in arrays cut like other
/// strings; what is cut is counted in each destination's statistics. JSON and protobuf agree.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class AttributeLimitTests
{
    [Fact]
    public async Task ASpanKeepsItsFirst128AttributesAndSaysHowManyItLost()
    {
        await using OtlpTestReceiver json = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protobuf = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await JsonAndProtobufAsync(json, protobuf);
        var broadcaster = new GenerationBroadcaster(registry);

        // Without scalars: the generation's own attributes, the list and the array, and the response's.
        broadcaster.Start(new ManyAttributes(0), new GenerationContext { Model = "small" }).Complete(Response());
        broadcaster.Start(new ManyAttributes(300), new GenerationContext { Model = "m" }).Complete(Response());
        Assert.True(await registry.FlushAsync(Patience));

        foreach (OtlpTestReceiver receiver in new[] { json, protobuf })
        {
            ReceivedSpan small = receiver.Spans.Single(s => s.Name == "chat small");
            Assert.Equal(0u, small.DroppedAttributesCount);
            int total = small.Attributes.Count + 300 + 6;

            ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "chat m");
            Assert.Equal(ContentPolicy.MaxAttributesPerSpan, generation.Attributes.Count);
            Assert.Equal((uint)(total - ContentPolicy.MaxAttributesPerSpan), generation.DroppedAttributesCount);

            // The span's own attributes come first and are kept; the DTO's list and array, early, are kept whole.
            Assert.Equal("generation", generation["span.type"].AsString());
            Assert.Equal(3, generation["many.list"].AsKeyValueList().Count);
            Assert.Equal(3, generation["many.array"].AsArray().Count);
            Assert.Equal(0u, receiver.Spans.Single(s => s.Name == "chat request" && s.TraceId == generation.TraceId).DroppedAttributesCount);
        }

        Assert.Equal(json.Spans.Single(s => s.Name == "chat m").DroppedAttributesCount, protobuf.Spans.Single(s => s.Name == "chat m").DroppedAttributesCount);
        Assert.All(registry.List(), d => Assert.Equal(json.Spans.Single(s => s.Name == "chat m").DroppedAttributesCount, d.Statistics.DroppedAttributes));
    }

    [Fact]
    public async Task IdentityAttributesCopiedFromSpanToSpanAreCountedAgainstTheLimitOfEachSpan()
    {
        // Both encoders copy a tree's identity attributes (user, session, trace name, metadata) from the top span
        // into the generation span; there the generation's own attributes come first and fill the span, so the copy
        // must not go in whole: the identity is written one by one, and its last attributes are left out and counted
        // in both encodings alike.
        await using OtlpTestReceiver json = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protobuf = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await JsonAndProtobufAsync(json, protobuf);
        var broadcaster = new GenerationBroadcaster(registry);

        GenerationContext Context(string model) => new()
        {
            Model = model,
            User = "user-1",
            SessionId = "session-1",
            Trace = TraceField.Parse("""{"trace_name":"tree","team":"search","tier":"pro","region":"eu","attempt":2}"""),
        };

        broadcaster.Start(new ManyAttributes(0), Context("small")).Complete(Response());
        Assert.True(await registry.FlushAsync(Patience));
        int smallCount = json.Spans.Single(s => s.Name == "chat small").Attributes.Count;

        // Scalars enough (each 50th comes with an array) that the span holds 3 attributes too many: the last ones it
        // writes, its identity's, are cut.
        int scalars = 0;
        while (smallCount + scalars + ((scalars + 49) / 50) < ContentPolicy.MaxAttributesPerSpan + 3)
        {
            scalars++;
        }

        broadcaster.Start(new ManyAttributes(scalars), Context("m")).Complete(Response());
        Assert.True(await registry.FlushAsync(Patience));

        foreach (OtlpTestReceiver receiver in new[] { json, protobuf })
        {
            ReceivedSpan small = receiver.Spans.Single(s => s.Name == "chat small");
            Assert.Equal(0u, small.DroppedAttributesCount);
            Assert.Equal(smallCount, small.Attributes.Count);
            Assert.Equal("search", small["trace.metadata.team"].AsString());

            ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "chat m");
            Assert.Equal(ContentPolicy.MaxAttributesPerSpan, generation.Attributes.Count);
            Assert.Equal(3u, generation.DroppedAttributesCount);
            Assert.Equal("user-1", generation["user.id"].AsString());
            Assert.False(generation.Attributes.Any(a => a.Key == "trace.metadata.tier"), "the last identity attributes are cut");

            // The top span of the same tree has room: it carries the whole identity.
            ReceivedSpan top = receiver.Spans.Single(s => s.Name == "tree" && s.TraceId == generation.TraceId);
            Assert.Equal(0u, top.DroppedAttributesCount);
            Assert.Equal("user-1", top["user.id"].AsString());
            Assert.Equal(2L, top["trace.metadata.attempt"].AsInt());
            Assert.Equal("pro", top["trace.metadata.tier"].AsString());
        }

        ReceivedSpan jsonGeneration = json.Spans.Single(s => s.Name == "chat m");
        ReceivedSpan protobufGeneration = protobuf.Spans.Single(s => s.Name == "chat m");
        Assert.Equal(protobufGeneration.Attributes.Select(a => a.Key), jsonGeneration.Attributes.Select(a => a.Key));
    }

    [Fact]
    public async Task ArraysAreCutTo1024ItemsAndTheirStringsToTheLengthLimit()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        OtlpDestinationOptions options = Options(receiver, "limited");
        options.Broadcast.MaxContentLength = 10;
        await using DestinationRegistry registry = await RegistryAsync(options);
        var broadcaster = new GenerationBroadcaster(registry);
        var request = new ChatCompletionRequest
        {
            Model = "m",
            Stop = [new string('s', 50), .. Enumerable.Range(0, 4999).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            Trace = TraceField.Parse("{\"numbers\":[" + string.Join(",", Enumerable.Range(0, 3000)) + "],\"words\":[\"" + new string('w', 30) + "\"]}"),
        };

        broadcaster.StartChat(request).CompleteChat(new ChatCompletionResponse { Id = "r" });
        Assert.True(await registry.FlushAsync(Patience));

        ReceivedSpan generation = receiver.Spans.Single(s => s.Name == "chat m");
        IReadOnlyList<ReceivedValue> stop = generation["gen_ai.request.stop_sequences"].AsArray();
        Assert.Equal(ContentPolicy.MaxArrayItems, stop.Count);
        Assert.Equal("sssssssss…", stop[0].AsString());
        Assert.Equal("1022", stop[^1].AsString());
        Assert.Equal(ContentPolicy.MaxArrayItems, generation["trace.metadata.numbers"].AsArray().Count);
        Assert.Equal(1023, generation["trace.metadata.numbers"].AsArray()[^1].AsInt());
        Assert.Equal("wwwwwwwww…", generation["trace.metadata.words"].AsArray()[0].AsString());

        // Stop sequences on the generation; both metadata arrays on the root and on the generation; the root's name
        // ("chat request", longer than 10 characters).
        Assert.Equal("chat requ…", receiver.Spans.Single(s => s.ParentSpanId is null).Name);
        DestinationStatistics stats = registry.List()[0].Statistics;
        Assert.Equal(6, stats.TruncatedValues);
        Assert.Equal(0, stats.DroppedAttributes);
        Assert.Equal(stats.TruncatedValues, broadcaster.GetStatistics().TruncatedValues);
    }

    [Fact]
    public void AnAttributeValueWithinTheLimitsIsPassedOnAsItIs()
    {
        AttributeValue value = AttributeValue.FromArray("a", AttributeValue.FromKeyValueList(new SpanAttribute("k", "short")));
        AttributeValue limited = ContentPolicy.Limit(in value, 10, out bool cut);

        Assert.False(cut);
        Assert.Equal(value, limited);

        AttributeValue nested = AttributeValue.FromArray("a", AttributeValue.FromKeyValueList(new SpanAttribute("k", "much too long")));
        AttributeValue cutNested = ContentPolicy.Limit(in nested, 10, out cut);
        Assert.True(cut);
        Assert.Equal("much too …", cutNested.ArrayValue[1].KeyValueListValue[0].Value.StringValue);
    }

    /// <summary>A registry with one JSON and one protobuf destination.</summary>
    [Fact]
    public async Task AMetadataEntryWhoseKeyIsTooLongIsLeftOutAndCountedSoItsSpansAreStillSent()
    {
        // A metadata key is the caller's text like any value, but no limit held it: a key of 2 MB made every span
        // that carries the metadata too large for any batch, and they were dropped whole as TooLarge. A key cannot be
        // cut (two keys would meet), so its entry is left out, as entries past the count limit are.
        await using OtlpTestReceiver json = await OtlpTestReceiver.StartAsync();
        await using OtlpTestReceiver protobuf = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await JsonAndProtobufAsync(json, protobuf);
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        string huge = new('k', 2_000_000);

        // The longest key kept, counted in characters (each of these is two bytes of UTF-8), nested keys with their dots.
        string longest = new('é', TraceMetadataWriter.MaxKeyLength);
        string nested = new('n', TraceMetadataWriter.MaxKeyLength - "team.".Length);
        request.Trace = TraceField.Parse(
            "{\"trace_id\":\"t\",\"" + huge + "\":1,\"team\":{\"" + huge + "\":[1],\"" + nested + "\":2,\"" + nested + "x\":3},\""
            + longest + "\":true,\"" + longest + "é\":false,\"environment\":\"staging\"}");

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        foreach (OtlpTestReceiver receiver in new[] { json, protobuf })
        {
            Assert.Equal(2, receiver.Spans.Count);
            Assert.All(receiver.Spans, span =>
            {
                Assert.Equal("staging", span["trace.metadata.environment"].AsString());
                Assert.True(span["trace.metadata." + longest].AsBool());
                Assert.Equal(2, span["trace.metadata.team." + nested].AsInt());
                Assert.Equal(3, span.Attributes.Keys.Count(k => k.StartsWith("trace.metadata.", StringComparison.Ordinal)));
            });
        }

        Assert.All(registry.List(), d => Assert.Equal(0, d.Statistics.DroppedTotal));

        // Four entries on each of the two spans, in each of the two encodings.
        Assert.Equal(4 * 2 * 2, broadcaster.GetStatistics().MetadataEntriesCut);
    }

    [Fact]
    public async Task ATopLevelKeyEscapingALoneSurrogateIsCountedAsCutLikeANestedOne()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        await using DestinationRegistry registry = await RegistryAsync(Options(receiver, "local"));
        var broadcaster = new GenerationBroadcaster(registry);
        ChatCompletionRequest request = MissionRequest();
        request.Trace = TraceField.Parse("""{"trace_id":"t","\ud800top":1,"team":{"\udc00nested":2},"environment":"staging"}""");

        broadcaster.StartChat(request).CompleteChat(Response());
        Assert.True(await registry.FlushAsync(Patience));

        Assert.All(receiver.Spans, s => Assert.Equal("staging", s["trace.metadata.environment"].AsString()));

        // Both keys, on each of the two spans.
        Assert.Equal(2 * 2, broadcaster.GetStatistics().MetadataEntriesCut);
    }

    private static Task<DestinationRegistry> JsonAndProtobufAsync(OtlpTestReceiver json, OtlpTestReceiver protobuf)
    {
        OtlpDestinationOptions protobufOptions = Options(protobuf, "protobuf");
        protobufOptions.Protocol = OtlpProtocol.HttpProtobuf;
        return RegistryAsync(Options(json, "json"), protobufOptions);
    }

    /// <summary>A request whose writer adds a key-value list, an array, then <c>count</c> scalar attributes.</summary>
    private sealed class ManyAttributes(int count) : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
        {
            sink.BeginKeyValueList("many.list"u8);
            sink.Write("a"u8, 1L);
            sink.Write("b"u8, "two");
            sink.Write("c"u8, true);
            sink.EndKeyValueList();
            sink.BeginArray("many.array"u8);
            sink.WriteArrayItem(1L);
            sink.WriteArrayItem("two");
            sink.WriteArrayItem(3.5);
            sink.EndArray();
            for (int i = 0; i < count; i++)
            {
                if (i % 50 == 0)
                {
                    // Lists and arrays past the limit are left out whole, without unbalancing the encoding.
                    sink.BeginArray(System.Text.Encoding.UTF8.GetBytes($"many.late.array.{i}"));
                    sink.WriteArrayItem("x");
                    sink.EndArray();
                }

                sink.Write(System.Text.Encoding.UTF8.GetBytes($"many.{i}"), (long)i);
            }
        }
    }
}

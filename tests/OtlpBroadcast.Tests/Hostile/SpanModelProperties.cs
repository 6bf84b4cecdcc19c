using CsCheck;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Tests.GenAi;
using static OtlpBroadcast.Tests.Hostile.HostileInput;

namespace OtlpBroadcast.Tests.Hostile;

/// <summary>
/// Hand-built spans and options with hostile values: attribute values with lone surrogates, control characters,
/// NaN and infinities, very long strings, nesting and huge arrays; enum values outside their range. Properties: a
/// span is sent as valid OTLP to JSON and protobuf destinations (or, larger than the batch limit, dropped and
/// counted); an enum value outside its range is refused where it is set, with a message naming the setting.
/// </summary>
[Collection(BroadcastCollection.Name)]
public class SpanModelProperties
{
    private const int Iterations = 150;

    private static readonly Gen<AttributeValue> Scalar = Gen.Frequency<AttributeValue>(
        (4, LongText.Select(AttributeValue.FromString)),
        (1, Gen.Bool.Select(AttributeValue.FromBool)),
        (1, Gen.Long.Select(AttributeValue.FromInt)),
        (2, Gen.OneOf(Gen.Double, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon)).Select(AttributeValue.FromDouble)),
        (1, Gen.Byte.Array[0, 32].Select(bytes => AttributeValue.FromBytes(bytes))));

    private static Gen<AttributeValue> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency<AttributeValue>(
            (4, Scalar),
            (1, Value(depth - 1).Array[0, 4].Select(items => AttributeValue.FromArray(items))),
            (1, Gen.Int[1_000, 5_000].Select(n => AttributeValue.FromArray([.. Enumerable.Range(0, n).Select(i => AttributeValue.FromInt(i))]))),
            (1, Gen.Select(Text, Value(depth - 1)).Array[0, 4].Select(entries =>
                AttributeValue.FromKeyValueList([.. entries.Select((e, i) => new SpanAttribute($"{i}{e.Item1}", e.Item2))]))));

    private static readonly Gen<OtlpSpan> Spans =
        Gen.Select(Text, Gen.Select(Text, Value(12), Gen.Bool).Array[0, 8], Text.Null(), (name, attributes, status) =>
        {
            var span = new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "n" + name)
            {
                Kind = SpanKind.Client,
                StartTimeUnixNano = 1,
                EndTimeUnixNano = 2,
                Status = SpanStatus.Error(status),
            };
            for (int i = 0; i < attributes.Length; i++)
            {
                // Unique keys: a span model is written as given, and OTLP allows a key once.
                span.Attributes.Add(new SpanAttribute($"k{i}.{attributes[i].Item1}", attributes[i].Item2, attributes[i].Item3));
            }

            return span;
        });

    [Fact]
    public async Task HostileAttributeValuesAreSentAsValidOtlpOrDroppedAndCounted()
    {
        var handler = new CapturingHandler();
        await using var registry = new DestinationRegistry(ExporterServices.WithHandler(handler));
        foreach ((string host, OtlpProtocol protocol, bool privacy) in new[] { ("json.example", OtlpProtocol.HttpJson, false), ("protobuf.example", OtlpProtocol.HttpProtobuf, true) })
        {
            await registry.AddAsync(OtlpDestination.Create(new OtlpDestinationOptions
            {
                Name = host,
                Endpoint = $"https://{host}/v1/traces",
                Protocol = protocol,
                PrivacyMode = privacy,
                ScheduledDelay = TimeSpan.FromMinutes(30),
            }));
        }

        long dropped = 0;
        await Spans.SampleAsync(
            async span =>
            {
                Assert.True(await registry.FlushAsync(BroadcastTestKit.Patience));
                handler.Clear();
                long droppedBefore = registry.List().Sum(d => d.Statistics.DroppedTotal);

                registry.Publish(span);
                Assert.True(await registry.FlushAsync(BroadcastTestKit.Patience));

                int decoded = handler.Requests.Sum(r => r.DecodeStrictly().Spans.Count);
                long droppedNow = registry.List().Sum(d => d.Statistics.DroppedTotal) - droppedBefore;
                Assert.Equal(2, decoded + droppedNow);
                Assert.All(registry.List(), d => Assert.Equal(d.Statistics.DroppedTotal, d.Statistics.Dropped[DropReason.TooLarge]));
                dropped += droppedNow;
            },
            iter: Iterations,
            threads: 1,
            print: span => $"{span.Attributes.Count} attribute(s), name of {span.Name.Length} chars");

        // Most spans fit: the property is about valid bytes, not about the batch limit.
        Assert.True(dropped < Iterations, $"{dropped} of {2 * Iterations} spans were too large");
    }

    [Fact]
    public void EnumValuesOutsideTheirRangeAreRefusedWhereTheyAreSet()
    {
        Gen.Int.Where(n => n is < 0 or > 5).Sample(
            n =>
            {
                var span = new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), "s");
                Assert.Contains("SpanKind", Assert.Throws<ArgumentOutOfRangeException>(() => span.Kind = (SpanKind)n).Message, StringComparison.Ordinal);
                Assert.Contains("SpanStatusCode", Assert.Throws<ArgumentOutOfRangeException>(() => span.Status = new SpanStatus((SpanStatusCode)n)).Message, StringComparison.Ordinal);
                Assert.Throws<ArgumentOutOfRangeException>(() => new SpanHeader { TraceId = span.TraceId, SpanId = span.SpanId, Name = "s", Kind = (SpanKind)n });
                Assert.Throws<ArgumentOutOfRangeException>(() => new SpanHeader { TraceId = span.TraceId, SpanId = span.SpanId, Name = "s", Status = new SpanStatus((SpanStatusCode)n) });

                Assert.Contains("Protocol", Refused(o => o.Protocol = (OtlpProtocol)n), StringComparison.Ordinal);
                Assert.Contains("Compression", Refused(o => o.Compression = (OtlpCompression)n), StringComparison.Ordinal);
                Assert.Contains("ContentFormat", Refused(o => o.Broadcast.ContentFormat = (ContentFormat)n), StringComparison.Ordinal);
            },
            iter: Iterations);
    }

    private static string Refused(Action<OtlpDestinationOptions> configure)
    {
        var options = new OtlpDestinationOptions { Name = "d", Endpoint = "https://collector.example.com/v1/traces" };
        configure(options);
        return Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.Create(options)).Message;
    }
}

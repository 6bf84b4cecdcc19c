using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OtlpBroadcast.Generators.FunctionalTests;

/// <summary>
/// Generated writers pass build-time keys as <see cref="PrecomposedKey"/>s, whose OTLP/JSON opening the encoder copies
/// as it is. The spans must be byte for byte those of the general path (<see cref="OtlpJsonSpanWriter"/> through a
/// <see cref="Utf8JsonWriter"/>, which writes the plain key), with and without content, whatever the values.
/// </summary>
public class PrecomposedKeyTests
{
    private static readonly JsonWriterOptions GeneralPathOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private static readonly SpanHeader Header = new()
    {
        TraceId = TraceId.Parse("0af7651916cd43dd8448eb211c80319c"),
        SpanId = SpanId.Parse("b7ad6b7169203331"),
        Name = "chat gpt-4o",
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SampleRequestAndResponseAreWrittenAsTheGeneralPathWritesThem(bool includeContent)
    {
        AssertSameBytes(Samples.Request(), includeContent);
        AssertSameBytes(Samples.Response(), includeContent);
        AssertSameBytes(new StreamedChatResponse { Id = "s", ChunkCount = -3, Usage = new Usage { Cost = -0.5m } }, includeContent);
    }

    public static TheoryData<double> Doubles => new() { 0.0, -1.25, 1e300, double.NaN, double.PositiveInfinity, double.NegativeInfinity };

    [Theory]
    [MemberData(nameof(Doubles))]
    public void EveryScalarKindIsWrittenAsTheGeneralPathWritesIt(double number)
    {
        using JsonDocument json = JsonDocument.Parse("""{"a":[1,"x\"y",null]}""");
        AssertSameBytes(
            new EverySupportedType
            {
                Text = "needs \"escaping\"\n, é 東京 😀 and a lone \ud800",
                Flag = number > 0,
                SByteValue = sbyte.MinValue,
                IntValue = int.MinValue,
                LongValue = long.MinValue,
                ULongValue = ulong.MaxValue,
                FloatValue = (float)number,
                DoubleValue = number,
                DecimalValue = -2.5m,
                Elapsed = TimeSpan.FromMilliseconds(-1500),
                Json = json.RootElement,
                Usage = new Usage { PromptTokens = -1, CompletionTokens = 0, TotalTokens = int.MaxValue },
            },
            includeContent: true);
    }

    private static void AssertSameBytes<T>(T value, bool includeContent) where T : IOtlpAttributes
    {
        var source = new OtlpAttributesSource<T>(value, includeContent);
        var general = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(general, GeneralPathOptions))
        {
            OtlpJsonSpanWriter.Write(writer, Header, ref source);
        }

        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(Header, ref source, contentWithheld: !includeContent);
        try
        {
            Assert.Equal(System.Text.Encoding.UTF8.GetString(general.WrittenSpan), System.Text.Encoding.UTF8.GetString(fragment.Bytes));
        }
        finally
        {
            fragment.Release();
        }
    }
}

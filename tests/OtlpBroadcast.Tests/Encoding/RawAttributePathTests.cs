using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using static OtlpBroadcast.Tests.OtlpEncoding.EncodingTestHelpers;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// Scalar attributes are composed as one raw value when nothing needs escaping, and written token by token otherwise:
/// either way the bytes must be exactly what a plain <see cref="Utf8JsonWriter"/> rendering gives.
/// </summary>
public class RawAttributePathTests
{
    public static TheoryData<string> Strings => new()
    {
        "",
        "gpt-4o",
        "with \"quotes\" and \\backslash",
        "line\nbreak and \u0001 control",
        "non-ASCII: é, ü, 日本語, 🙂",
        "lone \ud800 surrogate",
        new string('x', 170),
        new string('x', 171),
        new string('y', 2000),
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void StringsMatchAPlainWriterRendering(string value)
    {
        string expected = Render(w => w.WriteString("stringValue", value));
        Assert.Equal(expected, Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value), out _)));
        Assert.Equal(expected, Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write("k"u8, AttributeValue.FromString(value)), out _)));
        if (!value.Contains('\ud800', StringComparison.Ordinal))
        {
            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(value);
            Assert.Equal(expected, Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.WriteUtf8("k"u8, utf8), out _)));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(2.25e-05)]
    [InlineData(0.1 + 0.2)]
    [InlineData(-1e300)]
    [InlineData(double.Epsilon)]
    public void DoublesMatchAPlainWriterRendering(double value)
    {
        Assert.Equal(
            Render(w => w.WriteNumber("doubleValue", value)),
            Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value), out _)));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-42L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void IntegersAndBooleansMatchAPlainWriterRendering(long value)
    {
        Assert.Equal(
            Render(w => w.WriteString("intValue", value.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value), out _)));
        Assert.Equal(
            Render(w => w.WriteBoolean("boolValue", value > 0)),
            Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write("k"u8, value > 0), out _)));
    }

    [Fact]
    public void KeysThatNeedEscapingOrAreInvalidTakeTheGeneralPath()
    {
        Assert.Equal(
            Render(w => w.WriteString("stringValue", "v"), key: "a\"b"),
            Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write("a\"b"u8, "v"), out _)));
        Assert.Equal(
            Render(w => w.WriteString("stringValue", "v"), key: "a\ufffdb"),
            Text(WriteAttributes((ref OtlpJsonAttributeSink s) => s.Write([(byte)'a', 0xFF, (byte)'b'], "v"), out _)));
    }

    [Fact]
    public void RawAndGeneralAttributesAreSeparatedByCommas()
    {
        string bytes = Text(WriteAttributes(
            (ref OtlpJsonAttributeSink s) =>
            {
                s.Write("a"u8, "plain");
                s.Write("b"u8, "needs \"escaping\"");
                s.Write("c"u8, 1L);
                s.BeginArray("d"u8);
                s.WriteArrayItem("x");
                s.EndArray();
                s.Write("e"u8, true);
            },
            out int count));

        using JsonDocument document = JsonDocument.Parse(bytes);
        Assert.Equal(5, document.RootElement.GetArrayLength());
        Assert.Equal(5, count);
    }

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    private static string Render(Action<Utf8JsonWriter> value, string key = "k")
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteString("key", key);
            writer.WriteStartObject("value");
            value(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

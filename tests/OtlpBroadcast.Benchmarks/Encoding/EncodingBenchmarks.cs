using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 1: encoding one span tree (root, generation, one attempt) to OTLP. Every contender writes the same
/// spans and attributes; the SDK, the hand-written writer and both System.Text.Json contenders produce the same
/// bytes (checked in <see cref="Setup"/>).
/// </summary>
[MemoryDiagnoser]
public class EncodingBenchmarks
{
    private static readonly JsonWriterOptions RelaxedWriter = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private static readonly JsonSerializerOptions Reflection = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private readonly SpanFragment[] _fragments = new SpanFragment[3];
    private readonly HandWrittenSpanTreeWriter _handWritten = new();
    private readonly ArrayBufferWriter<byte> _stjBuffer = new(16 * 1024);
    private readonly AcceptingHandler _handler = new();
    private Utf8JsonWriter _stjWriter = null!;
    private OpenTelemetrySpanTree _openTelemetry = null!;
    private SpanTreeFixture _fixture = null!;

    [Params(ContentCase.Withheld, ContentCase.Content2KB)]
    public ContentCase Content { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = SpanTreeFixture.For(Content);
        _stjWriter = new Utf8JsonWriter(_stjBuffer, RelaxedWriter);
        _openTelemetry = new OpenTelemetrySpanTree(_handler);
        FairnessCheck.AssertSameBytes(_fixture);
    }

    [GlobalCleanup]
    public void Cleanup() => _openTelemetry.Dispose();

    [Benchmark(Baseline = true, Description = "OtlpBroadcast generated writers")]
    public int Sdk()
    {
        SdkSpanTreeEncoder.Encode(_fixture, _fragments);
        int length = 0;
        foreach (SpanFragment fragment in _fragments)
        {
            length += fragment.Length;
            fragment.Release();
        }

        return length;
    }

    [Benchmark(Description = "Hand-written Utf8JsonWriter")]
    public int HandWritten() => _handWritten.Write(_fixture).Length;

    [Benchmark(Description = "STJ object model, source-generated")]
    public long SystemTextJsonSourceGenerated()
    {
        _stjBuffer.ResetWrittenCount();
        _stjWriter.Reset(_stjBuffer);
        JsonSerializer.Serialize(_stjWriter, OtlpObjectModelBuilder.Build(_fixture), OtlpModelJsonContext.Default.ListOtlpSpanModel);
        return _stjWriter.BytesCommitted;
    }

    [Benchmark(Description = "STJ object model, reflection")]
    public long SystemTextJsonReflection()
    {
        _stjBuffer.ResetWrittenCount();
        _stjWriter.Reset(_stjBuffer);
        JsonSerializer.Serialize(_stjWriter, OtlpObjectModelBuilder.Build(_fixture), Reflection);
        return _stjWriter.BytesCommitted;
    }

    [Benchmark(Description = "OpenTelemetry .NET: Activity + OTLP protobuf export")]
    public void OpenTelemetry() => _openTelemetry.Record(_fixture);

    /// <summary>Reflection-based serialisation, for the fairness check.</summary>
    internal static byte[] SerializeWithReflection(SpanTreeFixture f)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, RelaxedWriter))
        {
            JsonSerializer.Serialize(writer, OtlpObjectModelBuilder.Build(f), Reflection);
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static byte[] SerializeWithSourceGeneration(SpanTreeFixture f)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, RelaxedWriter))
        {
            JsonSerializer.Serialize(writer, OtlpObjectModelBuilder.Build(f), OtlpModelJsonContext.Default.ListOtlpSpanModel);
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Fails fast when contenders would not write the same bytes, so no comparison is made on unequal work.</summary>
internal static class FairnessCheck
{
    public static void AssertSameBytes(SpanTreeFixture f)
    {
        byte[] sdk = [(byte)'[', .. SdkSpanTreeEncoder.EncodeToArray(f), (byte)']'];
        Check("hand-written Utf8JsonWriter", sdk, new HandWrittenSpanTreeWriter().Write(f).ToArray(), f);
        Check("System.Text.Json source-generated", sdk, EncodingBenchmarks.SerializeWithSourceGeneration(f), f);
        Check("System.Text.Json reflection", sdk, EncodingBenchmarks.SerializeWithReflection(f), f);
    }

    private static void Check(string contender, byte[] expected, byte[] actual, SpanTreeFixture f)
    {
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return;
        }

        int at = expected.AsSpan().CommonPrefixLength(actual);
        string Around(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes, Math.Max(0, at - 60), Math.Min(120, bytes.Length - Math.Max(0, at - 60)));
        throw new InvalidOperationException(
            $"The {contender} output differs from the SDK's ({f.Content}) at byte {at}:\n  SDK:  …{Around(expected)}…\n  them: …{Around(actual)}…");
    }
}

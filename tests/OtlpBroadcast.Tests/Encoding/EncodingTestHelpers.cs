using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>Something that writes attributes straight into an <see cref="OtlpJsonAttributeSink"/>.</summary>
internal delegate void SinkAction(ref OtlpJsonAttributeSink sink);

/// <summary>
/// Tests that misuse <see cref="SpanFragment"/> reference counts or count allocations run alone: fragments live in a
/// process-wide pool, so a fragment released here could otherwise be picked up by an encoding on another thread.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialEncodingCollection
{
    public const string Name = "Encoding (serial)";
}

internal static class EncodingTestHelpers
{
    /// <summary>The one span of a request body around <paramref name="fragment"/>, decoded in its encoding.</summary>
    public static ReceivedSpan DecodeOne(SpanFragment fragment)
    {
        var body = new ArrayBufferWriter<byte>();
        SpanEnvelopes.Create(fragment.Encoding, new OtlpResource("test")).Write(body, [fragment]);
        DecodedTraces decoded = fragment.Encoding == SpanEncoding.Protobuf
            ? OtlpProtobufTraceDecoder.Decode(body.WrittenSpan)
            : OtlpJsonTraceDecoder.Decode(body.WrittenSpan);
        return decoded.Spans.Single();
    }

    /// <summary>Every output must be valid UTF-8 without a byte order mark; returns the bytes for chaining.</summary>
    public static byte[] AssertValidUtf8WithoutBom(byte[] bytes)
    {
        Assert.True(Utf8.IsValid(bytes), "The output is not valid UTF-8: " + Convert.ToHexString(bytes));
        Assert.False(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]), "The output starts with a UTF-8 BOM.");
        return bytes;
    }

    /// <summary>Runs <paramref name="action"/> against a sink inside a JSON array, with the production writer options.</summary>
    public static byte[] WriteAttributes(SinkAction action, out int count)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
        {
            writer.WriteStartArray();
            var sink = new OtlpJsonAttributeSink(writer);
            action(ref sink);
            count = sink.Count;
            writer.WriteEndArray();
        }

        return AssertValidUtf8WithoutBom(buffer.WrittenSpan.ToArray());
    }

    /// <summary>The parsed array of KeyValue objects that <paramref name="action"/> wrote (cloned out of its document).</summary>
    public static JsonElement ParseAttributes(SinkAction action)
    {
        byte[] bytes = WriteAttributes(action, out _);
        using JsonDocument document = JsonDocument.Parse(bytes);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }

    /// <summary>The one KeyValue that <paramref name="action"/> wrote.</summary>
    public static JsonElement ParseSingleAttribute(SinkAction action)
    {
        JsonElement array = ParseAttributes(action);
        Assert.Equal(1, array.GetArrayLength());
        return array[0];
    }

    /// <summary>The <c>value</c> (AnyValue) of a KeyValue, checking that the KeyValue has exactly key and value.</summary>
    public static JsonElement ValueOf(JsonElement keyValue, string expectedKey)
    {
        Assert.Equal(["key", "value"], PropertyNames(keyValue));
        Assert.Equal(expectedKey, keyValue.GetProperty("key").GetString());
        return keyValue.GetProperty("value");
    }

    /// <summary>The single property of an AnyValue (OTLP allows exactly one), checking its name.</summary>
    public static JsonElement OnlyProperty(JsonElement anyValue, string expectedName)
    {
        Assert.Equal(JsonValueKind.Object, anyValue.ValueKind);
        Assert.Equal([expectedName], PropertyNames(anyValue));
        return anyValue.GetProperty(expectedName);
    }

    /// <summary>The string an AnyValue holds, checking it is a <c>stringValue</c> of JSON type string.</summary>
    public static string StringValueOf(JsonElement anyValue)
    {
        JsonElement value = OnlyProperty(anyValue, "stringValue");
        Assert.Equal(JsonValueKind.String, value.ValueKind);
        return value.GetString()!;
    }

    /// <summary>The items of an AnyValue that is an <c>arrayValue</c>.</summary>
    public static JsonElement[] ArrayItemsOf(JsonElement anyValue)
    {
        JsonElement arrayValue = OnlyProperty(anyValue, "arrayValue");
        return [.. OnlyProperty(arrayValue, "values").EnumerateArray()];
    }

    /// <summary>The KeyValue entries of an AnyValue that is a <c>kvlistValue</c>.</summary>
    public static JsonElement[] KeyValueEntriesOf(JsonElement anyValue)
    {
        JsonElement kvlist = OnlyProperty(anyValue, "kvlistValue");
        return [.. OnlyProperty(kvlist, "values").EnumerateArray()];
    }

    /// <summary>The names of an object's properties, in order.</summary>
    public static string[] PropertyNames(JsonElement element)
        => [.. element.EnumerateObject().Select(p => p.Name)];

    /// <summary>Encodes a span through the thread's encoder, copies the bytes out and releases the fragment.</summary>
    public static byte[] EncodeToBytes(OtlpSpan span)
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(span);
        try
        {
            Assert.Equal(SpanEncoding.Json, fragment.Encoding);
            return AssertValidUtf8WithoutBom(fragment.Bytes.ToArray());
        }
        finally
        {
            fragment.Release();
        }
    }

    /// <summary>Encodes a span and parses it (cloned out of its document).</summary>
    public static JsonElement EncodeAndParse(OtlpSpan span)
    {
        using JsonDocument document = JsonDocument.Parse(EncodeToBytes(span));
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }

    /// <summary>The attributes of an encoded span, keyed by attribute key (keys must be unique).</summary>
    public static Dictionary<string, JsonElement> AttributesByKey(JsonElement attributes)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonElement keyValue in attributes.EnumerateArray())
        {
            string key = keyValue.GetProperty("key").GetString()!;
            Assert.True(result.TryAdd(key, ValueOf(keyValue, key)), "Duplicate attribute key " + key);
        }

        return result;
    }

    /// <summary>A span with fixed, recognisable ids.</summary>
    public static OtlpSpan NewSpan(string name = "test-span")
        => new(TraceId.Parse("0123456789abcdef0123456789abcdef"), SpanId.Parse("fedcba9876543210"), name);

    /// <summary>Where <paramref name="needle"/> first occurs in <paramref name="haystack"/> at or after <paramref name="start"/>.</summary>
    public static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle, int start = 0)
    {
        int index = haystack.AsSpan(start).IndexOf(needle);
        return index < 0 ? -1 : start + index;
    }
}

using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace OtlpBroadcast;

/// <summary>
/// Writes an <see cref="IOtlpAttributes"/> value through System.Text.Json as its OTLP/JSON attribute form: the
/// <c>KeyValue</c> array that goes into a span's <c>attributes</c>. Write-only.
/// </summary>
/// <typeparam name="T">The annotated type.</typeparam>
public sealed class OtlpAttributesJsonConverter<T> : JsonConverter<T> where T : IOtlpAttributes
{
    private readonly bool _includeContent;

    /// <summary>Creates a converter that writes sensitive content or withholds it.</summary>
    public OtlpAttributesJsonConverter(bool includeContent) => _includeContent = includeContent;

    /// <summary>Not supported: the attribute form loses the member names, so it cannot be read back.</summary>
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => throw new NotSupportedException($"The OTLP attribute form of {typeof(T).Name} is write-only.");

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        var sink = new OtlpJsonAttributeSink(writer);
        value.WriteOtlpAttributes(ref sink, _includeContent);
        writer.WriteEndArray();
    }
}

/// <summary>Creates the type infos of the generated <c>OtlpAttributesJsonContext</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OtlpAttributesJsonTypeInfo
{
    /// <summary>A type info whose converter writes the OTLP attribute form of <typeparamref name="T"/>.</summary>
    public static JsonTypeInfo<T> Create<T>(JsonSerializerOptions options, bool includeContent) where T : IOtlpAttributes
        => JsonMetadataServices.CreateValueInfo<T>(options, new OtlpAttributesJsonConverter<T>(includeContent));
}

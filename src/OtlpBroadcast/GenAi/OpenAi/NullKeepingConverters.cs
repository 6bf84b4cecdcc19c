using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast.OpenAi;

// A modelled member that OpenAI writes as JSON null (a message's "refusal":null, "content":null) is kept as it came by
// reading that null as a sentinel instance of the member's type, told apart by reference, into an internal JSON-only
// property; the public property gives null for it, and setting it in code (null included) replaces it. A forwarded
// request or relayed response then loses nothing and gains nothing.

/// <summary>Reads a string member as a string, a JSON <c>null</c> as <see cref="CameAsNull"/> (so that it is written
/// back), and refuses anything else with a message naming what came; writes what it read.</summary>
internal class NullKeepingStringConverter : JsonConverter<string>
{
    /// <summary>Stands for a JSON <c>null</c> that came: an instance of its own, told apart by reference (never a
    /// text a caller set).</summary>
    internal static readonly string CameAsNull = new(['n', 'u', 'l', 'l']);

    /// <summary>The member's value as the public property gives it: <see langword="null"/> for a JSON <c>null</c> that
    /// came.</summary>
    internal static string? ValueOf(string? json) => ReferenceEquals(json, CameAsNull) ? null : json;

    /// <summary>A JSON <c>null</c> is read too: it is a member that came, with no value.</summary>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => CameAsNull,
        _ => throw new JsonException($"{Member} must be a string or null, not {reader.TokenType}."),
    };

    /// <summary>The members read with this converter, as a refusal names them.</summary>
    protected virtual string Member => "A message's reasoning, reasoning_content or refusal";

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null || ReferenceEquals(value, CameAsNull))
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}

/// <summary><see cref="NullKeepingStringConverter"/> for a chunk's <c>finish_reason</c> (<c>null</c> in every chunk but
/// a choice's last).</summary>
internal sealed class NullKeepingFinishReasonConverter : NullKeepingStringConverter
{
    /// <inheritdoc/>
    protected override string Member => "A choice's finish_reason";
}

/// <summary><see cref="NullKeepingStringConverter"/> for a chunk's <c>delta.content</c> (<c>null</c> in a chunk that
/// adds a tool call).</summary>
internal sealed class NullKeepingDeltaContentConverter : NullKeepingStringConverter
{
    /// <inheritdoc/>
    protected override string Member => "A chunk's delta.content";
}

/// <summary>Reads a message's <c>content</c> as <see cref="ChatMessageContentJsonConverter"/> does, and a JSON
/// <c>null</c> as <see cref="CameAsNull"/> (so that it is written back: an assistant message that only calls tools
/// comes with <c>"content":null</c>); writes what it read.</summary>
internal sealed class NullKeepingContentConverter : JsonConverter<ChatMessageContent>
{
    /// <summary>Stands for a JSON <c>null</c> that came, told apart by reference (never content a caller set).</summary>
    internal static readonly ChatMessageContent CameAsNull = new(string.Empty);

    /// <summary>The content as the public property gives it: <see langword="null"/> for a JSON <c>null</c> that came.</summary>
    internal static ChatMessageContent? ValueOf(ChatMessageContent? json) => ReferenceEquals(json, CameAsNull) ? null : json;

    private static readonly ChatMessageContentJsonConverter Content = new();

    /// <summary>A JSON <c>null</c> is read too: it is a member that came, with no value.</summary>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override ChatMessageContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => reader.TokenType == JsonTokenType.Null ? CameAsNull : Content.Read(ref reader, typeToConvert, options);

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ChatMessageContent value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null || ReferenceEquals(value, CameAsNull))
        {
            writer.WriteNullValue();
        }
        else
        {
            Content.Write(writer, value, options);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtlpBroadcast.OpenAi;

/// <summary>
/// A chat message's <c>content</c> as OpenAI-compatible APIs accept it: a string, or an array of content parts
/// (<c>text</c>, <c>image_url</c>, <c>input_audio</c>, <c>file</c>, …). An array is kept exactly as it came, so a
/// gateway that forwards the request sends every part on; <see cref="Text"/> gives its text.
/// </summary>
[JsonConverter(typeof(ChatMessageContentJsonConverter))]
public sealed class ChatMessageContent
{
    /// <summary>Content that is plain text.</summary>
    public ChatMessageContent(string text) => Text = text ?? throw new ArgumentNullException(nameof(text));

    /// <summary>Content given as an array of content parts.</summary>
    /// <exception cref="ArgumentException">The element is not a JSON array.</exception>
    public ChatMessageContent(JsonElement parts)
    {
        if (parts.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException($"A message's content parts must be a JSON array, not {parts.ValueKind}.", nameof(parts));
        }

        Parts = parts.Clone();
        Text = JoinTextParts(Parts.Value);
    }

    /// <summary>The text: the string itself, or the array's <c>text</c> parts joined by line breaks
    /// (<see langword="null"/> when the array has none).</summary>
    public string? Text { get; }

    /// <summary>The content parts as they came, when the content is an array.</summary>
    public JsonElement? Parts { get; }

    /// <summary>Plain text content.</summary>
    public static implicit operator ChatMessageContent(string text) => new(text);

    /// <inheritdoc/>
    public override string ToString() => Text ?? string.Empty;

    private static string? JoinTextParts(JsonElement parts)
    {
        List<string>? texts = null;
        foreach (JsonElement part in parts.EnumerateArray())
        {
            if (ChatMessagePart.PartType(part) == "text" && ChatMessagePart.StringProperty(part, "text") is { } text)
            {
                (texts ??= []).Add(text);
            }
        }

        return texts is null ? null : string.Join('\n', texts);
    }
}

/// <summary>Reads and writes <see cref="ChatMessageContent"/> as a JSON string or array, without reflection.</summary>
public sealed class ChatMessageContentJsonConverter : JsonConverter<ChatMessageContent>
{
    /// <inheritdoc/>
    public override ChatMessageContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => new ChatMessageContent(reader.GetString()!),
        JsonTokenType.StartArray => new ChatMessageContent(JsonElement.ParseValue(ref reader)),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"A message's content must be a string or an array of content parts, not {reader.TokenType}."),
    };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ChatMessageContent value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Parts is { } parts)
        {
            parts.WriteTo(writer);
        }
        else
        {
            writer.WriteStringValue(value.Text);
        }
    }
}

/// <summary>A tool call the assistant asked for (OpenAI's <c>tool_calls</c> items).</summary>
public sealed class ChatToolCall
{
    /// <summary>The call's id, which the <c>tool</c> message answering it quotes.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>Always <c>function</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "function";

    /// <summary>The function called.</summary>
    [JsonPropertyName("function")]
    public ChatFunctionCall? Function { get; set; }

    /// <summary>The fields this tool call does not model, kept as they came so that a forwarded request or relayed
    /// response loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>The function of a <see cref="ChatToolCall"/>.</summary>
public sealed class ChatFunctionCall
{
    /// <summary>Its name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Its arguments, a JSON object as text (as the model wrote it).</summary>
    [JsonPropertyName("arguments")]
    public string? Arguments { get; set; }

    /// <summary>The fields this function call does not model, kept as they came so that a forwarded request or relayed
    /// response loses nothing; never span attributes.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>
/// One part of a message as the GenAI conventions shape <c>gen_ai.input.messages</c> and
/// <c>gen_ai.output.messages</c>: <c>{"type":"text","content":…}</c>, <c>tool_call</c> (<c>id</c>, <c>name</c>,
/// <c>arguments</c>), <c>tool_call_response</c> (<c>id</c>, <c>response</c>), <c>uri</c> and <c>blob</c> (an image or
/// audio by address or inline, any media by address, with <c>modality</c> and <c>mime_type</c>), <c>file</c>
/// (<c>file_id</c>), <c>reasoning</c> (<c>content</c>), or another
/// provider type by name alone (a <c>video_url</c>, which routers take, is a <c>uri</c> or <c>blob</c> with the modality
/// <c>video</c>). Unset members are left out.
/// </summary>
[OtlpAttributes]
public sealed partial class ChatMessagePart
{
    private ChatMessagePart(string type) => Type = type;

    /// <summary>The kind of part.</summary>
    [OtlpAttribute("type")]
    public string Type { get; }

    /// <summary>The text of a <c>text</c> or <c>reasoning</c> part, or the base64 data of a <c>blob</c>.</summary>
    [OtlpAttribute("content")]
    public string? Content { get; private init; }

    /// <summary>The call's id (<c>tool_call</c>, <c>tool_call_response</c>).</summary>
    [OtlpAttribute("id")]
    public string? Id { get; private init; }

    /// <summary>The tool's name (<c>tool_call</c>).</summary>
    [OtlpAttribute("name")]
    public string? Name { get; private init; }

    /// <summary>The call's arguments as the model wrote them (<c>tool_call</c>).</summary>
    [OtlpAttribute("arguments")]
    public string? Arguments { get; private init; }

    /// <summary>What the tool answered (<c>tool_call_response</c>).</summary>
    [OtlpAttribute("response")]
    public string? Response { get; private init; }

    /// <summary><c>image</c>, <c>audio</c> or <c>video</c> (<c>uri</c>, <c>blob</c>).</summary>
    [OtlpAttribute("modality")]
    public string? Modality { get; private init; }

    /// <summary>The media type, when known (<c>blob</c>, <c>uri</c>).</summary>
    [OtlpAttribute("mime_type")]
    public string? MimeType { get; private init; }

    /// <summary>The address of a <c>uri</c> part.</summary>
    [OtlpAttribute("uri")]
    public string? Uri { get; private init; }

    /// <summary>The provider's id of an uploaded file (<c>file</c>).</summary>
    [OtlpAttribute("file_id")]
    public string? FileId { get; private init; }

    /// <summary>A <c>text</c> part (for instructions given apart from the messages, say).</summary>
    public static ChatMessagePart ForText(string text) => new("text") { Content = text ?? throw new ArgumentNullException(nameof(text)) };

    /// <summary>A <c>reasoning</c> part: the model's reasoning (a message's <c>reasoning</c> or
    /// <c>reasoning_content</c>, or a content part already in the conventions' shape).</summary>
    internal static ChatMessagePart ForReasoning(string? reasoning) => new("reasoning") { Content = reasoning };

    /// <summary>A refusal (a message's <c>refusal</c>, or a content part of type <c>refusal</c>): the conventions have
    /// no part for it, so it is a <c>text</c> part.</summary>
    internal static ChatMessagePart ForRefusal(string refusal) => ForText(refusal);

    internal static ChatMessagePart ForToolCall(ChatToolCall call) => new("tool_call") { Id = call.Id, Name = call.Function?.Name, Arguments = call.Function?.Arguments };

    internal static ChatMessagePart ForToolResponse(string? id, string? response) => new("tool_call_response") { Id = id, Response = response };

    /// <summary>One OpenAI content part in the conventions' shape; <see langword="null"/> for an element that is not
    /// a part (not an object).</summary>
    internal static ChatMessagePart? FromContentPart(JsonElement part)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string type = PartType(part) ?? "unknown";
        return type switch
        {
            "text" => ForText(StringProperty(part, "text") ?? string.Empty),
            "refusal" => ForRefusal(StringProperty(part, "refusal") ?? string.Empty),
            "image_url" => FromAddress(StringProperty(Property(part, "image_url"), "url"), "image"),
            "input_audio" => new ChatMessagePart("blob")
            {
                Modality = "audio",
                MimeType = StringProperty(Property(part, "input_audio"), "format") is { } format ? "audio/" + format : null,
                Content = StringProperty(Property(part, "input_audio"), "data"),
            },
            "file" when StringProperty(Property(part, "file"), "file_id") is { } fileId => new ChatMessagePart("file") { FileId = fileId },
            "file" => FromFileData(StringProperty(Property(part, "file"), "file_data")),

            // Not OpenAI's, but how routers and open-weight servers take a video, alongside image_url.
            "video_url" => FromAddress(StringProperty(Property(part, "video_url"), "url"), "video"),

            // Not OpenAI's but the conventions' own parts, which a client sends for what OpenAI's parts have no slot for
            // (reasoning; an address of audio, video, a document; the Microsoft.Extensions.AI middleware does): taken
            // as they are.
            "reasoning" => ForReasoning(StringProperty(part, "content")),
            "uri" => new ChatMessagePart("uri")
            {
                Modality = StringProperty(part, "modality"),
                MimeType = StringProperty(part, "mime_type"),
                Uri = StringProperty(part, "uri"),
            },
            _ => new ChatMessagePart(type),
        };
    }

    /// <summary>An address: a <c>data:</c> URL is inline data (a <c>blob</c> with its media type), anything else a
    /// <c>uri</c>.</summary>
    private static ChatMessagePart FromAddress(string? address, string? modality)
    {
        const string Base64Marker = ";base64,";
        if (address is not null && address.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int marker = address.IndexOf(Base64Marker, StringComparison.OrdinalIgnoreCase);
            if (marker > 0)
            {
                return new ChatMessagePart("blob")
                {
                    Modality = modality,
                    MimeType = marker > 5 ? address[5..marker] : null,
                    Content = address[(marker + Base64Marker.Length)..],
                };
            }
        }

        return new ChatMessagePart("uri") { Modality = modality, Uri = address };
    }

    /// <summary>A file's inline data: a <c>data:</c> URL, or (as OpenAI documents it) the base64 data alone, which
    /// is a <c>blob</c> too, not an address. An image, audio or video (a <c>data:</c> URL says which) has that
    /// modality; a document has none.</summary>
    private static ChatMessagePart FromFileData(string? data)
        => data is not null && data.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
            ? FromAddress(data, MediaModality(data.AsSpan(5)))
            : new ChatMessagePart("blob") { Content = data };

    /// <summary>The conventions' modality of a media type (<c>image/…</c>, <c>audio/…</c>, <c>video/…</c>), or
    /// <see langword="null"/> for other media.</summary>
    private static string? MediaModality(ReadOnlySpan<char> mediaType)
    {
        foreach (string modality in (ReadOnlySpan<string>)["image", "audio", "video"])
        {
            if (mediaType.Length > modality.Length && mediaType[modality.Length] == '/' && mediaType.StartsWith(modality, StringComparison.OrdinalIgnoreCase))
            {
                return modality;
            }
        }

        return null;
    }

    internal static string? PartType(JsonElement part) => StringProperty(part, "type");

    internal static string? StringProperty(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static JsonElement Property(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) ? value : default;
}

/// <summary>A message's parts in the GenAI conventions' shape; enumerated without allocating.</summary>
public sealed class ChatMessageParts : IReadOnlyList<ChatMessagePart>
{
    private readonly ChatMessagePart[] _parts;

    internal ChatMessageParts(ChatMessagePart[] parts) => _parts = parts;

    /// <inheritdoc/>
    public int Count => _parts.Length;

    /// <inheritdoc/>
    public ChatMessagePart this[int index] => _parts[index];

    /// <summary>Enumerates the parts without allocating.</summary>
    public ArraySegment<ChatMessagePart>.Enumerator GetEnumerator() => new ArraySegment<ChatMessagePart>(_parts).GetEnumerator();

    IEnumerator<ChatMessagePart> IEnumerable<ChatMessagePart>.GetEnumerator() => ((IEnumerable<ChatMessagePart>)_parts).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _parts.GetEnumerator();
}

using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OtlpBroadcast.OpenAi;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace OtlpBroadcast.AI;

/// <summary>
/// A Microsoft.Extensions.AI message's content as the OpenAI DTOs hold it: plain text, or, when the message carries an
/// image, audio, a file or reasoning, an array of OpenAI content parts in the message's order, which the DTOs turn into
/// the GenAI conventions' <c>blob</c>, <c>uri</c> and <c>file</c> parts (reasoning, and an address OpenAI's parts cannot
/// carry, are written as the conventions' <c>reasoning</c> and <c>uri</c> parts themselves). Read only as text, those
/// were lost from the recording.
/// </summary>
internal static class ChatContentParts
{
    /// <summary>The content of <paramref name="message"/>; <see langword="null"/> when it has neither text nor media nor
    /// reasoning.</summary>
    public static ChatMessageContent? Of(AiChatMessage message)
    {
        if (!HasMoreThanText(message))
        {
            // The common case stays a string, as it was: no JSON to write and parse for every message.
            return message.Text is { Length: > 0 } text ? new ChatMessageContent(text) : null;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (AIContent content in message.Contents)
            {
                WritePart(writer, content);
            }

            writer.WriteEndArray();
        }

        using JsonDocument parts = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        return new ChatMessageContent(parts.RootElement);
    }

    /// <summary>Whether <paramref name="message"/> carries media or reasoning, which its text alone would lose.</summary>
    private static bool HasMoreThanText(AiChatMessage message)
    {
        foreach (AIContent content in message.Contents)
        {
            if (content is DataContent or UriContent or HostedFileContent or TextReasoningContent { Text.Length: > 0 })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One content item as the OpenAI part that carries it: reasoning as the conventions' <c>reasoning</c> part, an
    /// image as <c>image_url</c> (inline data as a <c>data:</c> URL), audio data as <c>input_audio</c>, other data as
    /// a <c>file</c>'s <c>file_data</c> (its media type kept in the <c>data:</c> URL), any other address as the
    /// conventions' <c>uri</c> part, a hosted file by its id. Function calls and results are not content parts (the caller writes them as tool calls and <c>tool</c>
    /// messages); usage and other items are not content at all.
    /// </summary>
    private static void WritePart(Utf8JsonWriter writer, AIContent content)
    {
        switch (content)
        {
            case TextContent { Text.Length: > 0 } text:
                WriteText(writer, "text", "text", text.Text);
                break;
            case TextReasoningContent { Text.Length: > 0 } reasoning:
                // OpenAI's parts have no reasoning either: the conventions' own part, which the DTOs take as it is.
                WriteText(writer, "reasoning", "content", reasoning.Text);
                break;
            case DataContent data when data.HasTopLevelMediaType("image"):
                WriteImage(writer, data.Uri);
                break;
            case DataContent data when data.HasTopLevelMediaType("audio"):
                writer.WriteStartObject();
                writer.WriteString("type", "input_audio");
                writer.WriteStartObject("input_audio");
                writer.WriteBase64String("data", data.Data.Span);
                writer.WriteString("format", data.MediaType.AsSpan(data.MediaType.IndexOf('/') + 1));
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            case DataContent data:
                WriteFile(writer, "file_data", data.Uri);
                break;
            case UriContent uri when uri.HasTopLevelMediaType("image"):
                WriteImage(writer, uri.Uri.AbsoluteUri);
                break;
            case UriContent uri:
                WriteUri(writer, uri);
                break;
            case HostedFileContent file:
                WriteFile(writer, "file_id", file.FileId);
                break;
        }
    }

    /// <summary>A part of text alone: <paramref name="text"/> under <paramref name="key"/>.</summary>
    private static void WriteText(Utf8JsonWriter writer, string type, string key, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type", type);
        writer.WriteString(key, text);
        writer.WriteEndObject();
    }

    private static void WriteImage(Utf8JsonWriter writer, string url)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "image_url");
        writer.WriteStartObject("image_url");
        writer.WriteString("url", url);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// An address that is not an image's (audio, video, a document), as the GenAI conventions' own <c>uri</c> part:
    /// OpenAI's parts take an address only for images, and written as an <c>image_url</c> or a file's data it would be
    /// read as an image or as inline data. The DTOs take this part as it is, address, media type and modality.
    /// </summary>
    private static void WriteUri(Utf8JsonWriter writer, UriContent uri)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "uri");
        writer.WriteString("uri", uri.Uri.AbsoluteUri);
        writer.WriteString("mime_type", uri.MediaType);
        if (uri.HasTopLevelMediaType("audio") || uri.HasTopLevelMediaType("video"))
        {
            writer.WriteString("modality", uri.MediaType.AsSpan(0, uri.MediaType.IndexOf('/')));
        }

        writer.WriteEndObject();
    }

    private static void WriteFile(Utf8JsonWriter writer, string key, string value)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "file");
        writer.WriteStartObject("file");
        writer.WriteString(key, value);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

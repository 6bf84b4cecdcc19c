using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>
/// Decodes an OTLP/HTTP JSON trace export body independently of the SDK that wrote it.
/// </summary>
/// <remarks>
/// Both modes refuse what a real receiver refuses: a UTF-8 BOM, malformed JSON, ids that are not
/// hex of the right length or are all zero, enums that are not integers in range, doubles that are
/// strings or not finite, an <c>AnyValue</c> with zero or several fields, and invalid base64.
/// Strict mode (the default) also refuses what a real receiver would silently accept but which means
/// the exporter has a bug: unknown keys (a misspelled key is otherwise lost), 64-bit integers written
/// as JSON numbers, duplicate keys in an object, duplicate or empty attribute keys, and spans without
/// a name or timestamps. Lenient mode ignores unknown keys, accepts numbers for 64-bit integers,
/// upper-case hex ids, URL-safe base64, keeps the last of duplicate keys and treats null as absent.
/// </remarks>
public static class OtlpJsonTraceDecoder
{
    // Nested arrayValue/kvlistValue add depth; deeper than this is not a plausible attribute.
    private const int MaxDepth = 128;

    /// <summary>Decodes an <c>ExportTraceServiceRequest</c> body.</summary>
    /// <param name="body">The UTF-8 request body (after any content decoding).</param>
    /// <param name="strict">Refuse what the exporter under test must never send; see remarks.</param>
    /// <exception cref="OtlpDecodeException">The body is invalid; the message names the JSON path.</exception>
    public static DecodedTraces Decode(ReadOnlySpan<byte> body, bool strict = true)
    {
        if (body.StartsWith("\uFEFF"u8))
        {
            throw new OtlpDecodeException(JsonPath.Root, "body starts with a UTF-8 byte order mark");
        }

        JsonDocument document;
        try
        {
            // JsonDocument needs memory it can hold on to; a copy keeps the span-based signature honest.
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new OtlpDecodeException(JsonPath.Root, $"malformed JSON: {e.Message}");
        }

        using (document)
        {
            try
            {
                return EnvelopeDecoder.Decode(document.RootElement, new DecodeContext(strict));
            }
            catch (InvalidOperationException e)
            {
                // Property names are transcoded lazily; invalid UTF-8 in one surfaces only here.
                throw new OtlpDecodeException(JsonPath.Root, $"invalid text: {e.Message}");
            }
        }
    }
}

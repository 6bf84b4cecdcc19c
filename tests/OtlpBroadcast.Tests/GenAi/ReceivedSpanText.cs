using System.Text;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>What broadcast tests search in received spans: every string a span carries, and raw request bytes.</summary>
internal static class ReceivedSpanText
{
    /// <summary>Every string value of every attribute (arrays and key-value lists included), the span name and the
    /// status message, one per line.</summary>
    public static string AllStrings(IEnumerable<ReceivedSpan> spans)
    {
        var text = new StringBuilder();
        foreach (ReceivedSpan span in spans)
        {
            text.Append(span.Name).Append('\n');
            text.Append(span.StatusMessage).Append('\n');
            foreach (ReceivedAttribute attribute in span.Attributes)
            {
                Append(text, attribute.Value);
            }
        }

        return text.ToString();
    }

    /// <summary>The string values of every attribute only (no name, no status), one per line.</summary>
    public static string AttributeStrings(IEnumerable<ReceivedSpan> spans)
    {
        var text = new StringBuilder();
        foreach (ReceivedSpan span in spans)
        {
            foreach (ReceivedAttribute attribute in span.Attributes)
            {
                Append(text, attribute.Value);
            }
        }

        return text.ToString();
    }

    /// <summary>Whether <paramref name="needle"/> occurs in any raw (as sent, undecoded) request body.</summary>
    public static bool AnyRawBodyContains(OtlpTestReceiver receiver, string needle)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(needle);
        return receiver.Requests.Any(r => r.Body.Span.IndexOf(bytes) >= 0 || r.DecompressedBody.Span.IndexOf(bytes) >= 0);
    }

    private static void Append(StringBuilder text, ReceivedValue value)
    {
        switch (value.Kind)
        {
            case ReceivedValueKind.String:
                text.Append(value.AsString()).Append('\n');
                break;
            case ReceivedValueKind.Array:
                foreach (ReceivedValue item in value.AsArray())
                {
                    Append(text, item);
                }

                break;
            case ReceivedValueKind.KeyValueList:
                foreach (ReceivedAttribute entry in value.AsKeyValueList())
                {
                    text.Append(entry.Key).Append('\n');
                    Append(text, entry.Value);
                }

                break;
        }
    }
}

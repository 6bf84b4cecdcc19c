using System.Globalization;
using System.Text;

namespace OtlpBroadcast.Testing;

/// <summary>Readable, kind-revealing text for values; shared by <see cref="ReceivedValue"/> and the tree printer.</summary>
internal static class ValueText
{
    public static string Render(ReceivedValue value)
    {
        var builder = new StringBuilder();
        Append(builder, value);
        return builder.ToString();
    }

    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2);
        AppendQuoted(builder, text);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, ReceivedValue value)
    {
        switch (value.Kind)
        {
            case ReceivedValueKind.String:
                AppendQuoted(builder, value.AsString());
                break;
            case ReceivedValueKind.Bool:
                builder.Append(value.AsBool() ? "true" : "false");
                break;
            case ReceivedValueKind.Int:
                builder.Append(value.AsInt().ToString(CultureInfo.InvariantCulture));
                break;
            case ReceivedValueKind.Double:
                builder.Append(RenderDouble(value.AsDouble()));
                break;
            case ReceivedValueKind.Bytes:
                builder.Append("base64:").Append(Convert.ToBase64String(value.AsBytes().Span));
                break;
            case ReceivedValueKind.Array:
                AppendArray(builder, value.AsArray());
                break;
            case ReceivedValueKind.KeyValueList:
                AppendList(builder, value.AsKeyValueList());
                break;
            default:
                throw new InvalidOperationException($"Unexpected value kind {value.Kind}.");
        }
    }

    // "1" would read as an int; the suffix keeps the kind visible.
    private static string RenderDouble(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return double.IsFinite(value) && !text.Contains('.', StringComparison.Ordinal) && !text.Contains('E', StringComparison.Ordinal)
            ? text + ".0"
            : text;
    }

    private static void AppendArray(StringBuilder builder, IReadOnlyList<ReceivedValue> values)
    {
        builder.Append('[');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            Append(builder, values[i]);
        }

        builder.Append(']');
    }

    private static void AppendList(StringBuilder builder, ReceivedAttributeList entries)
    {
        builder.Append('{');
        for (var i = 0; i < entries.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(entries[i].Key).Append(" = ");
            Append(builder, entries[i].Value);
        }

        builder.Append('}');
    }

    private static void AppendQuoted(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: builder.Append(c); break;
            }
        }

        builder.Append('"');
    }
}

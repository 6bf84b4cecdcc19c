using System.Text;

namespace OtlpBroadcast.Testing;

/// <summary>
/// Renders received spans as one indented tree per trace, for demos and for assertion messages.
/// </summary>
/// <remarks>
/// Traces appear in order of their earliest span. In a trace, root spans come first, then spans whose
/// parent did not arrive (marked <c>(parent ... not received)</c>); children follow their parent; siblings
/// are ordered by start time (ties keep the input order). Each span line reads
/// <c>name [kind] duration</c>, plus <c>(ok)</c> or <c>(error: message)</c> when a status was set, and is
/// followed by its attributes as <c>| key = value</c>. Lines end with <c>\n</c> on every platform.
/// </remarks>
public static class TraceTreePrinter
{
    private static readonly string[] KindNames = ["unspecified", "internal", "server", "client", "producer", "consumer"];

    /// <summary>Renders the spans; an empty input gives an empty string.</summary>
    public static string Render(IEnumerable<ReceivedSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var text = new StringBuilder();
        var traces = spans
            .GroupBy(span => span.TraceId, StringComparer.Ordinal)
            .OrderBy(trace => trace.Min(span => span.StartTimeUnixNano));
        foreach (var trace in traces)
        {
            text.Append("trace ").Append(trace.Key).Append('\n');
            new TraceWriter(text, trace.ToList()).Write();
        }

        return text.ToString();
    }

    private sealed class TraceWriter
    {
        private readonly StringBuilder _text;
        private readonly List<ReceivedSpan> _spans;
        private readonly Dictionary<string, ReceivedSpan> _byId = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<ReceivedSpan>> _children = new(StringComparer.Ordinal);
        private readonly HashSet<ReceivedSpan> _written = new(ReferenceEqualityComparer.Instance);

        public TraceWriter(StringBuilder text, List<ReceivedSpan> spans)
        {
            _text = text;
            _spans = spans;
            foreach (var span in spans)
            {
                _byId.TryAdd(span.SpanId, span);
            }

            foreach (var span in spans.Where(HasReceivedParent))
            {
                if (!_children.TryGetValue(span.ParentSpanId!, out var siblings))
                {
                    _children[span.ParentSpanId!] = siblings = [];
                }

                siblings.Add(span);
            }
        }

        public void Write()
        {
            foreach (var root in ByStart(_spans.Where(span => span.ParentSpanId is null)))
            {
                WriteTree(root, 0, note: null);
            }

            foreach (var orphan in ByStart(_spans.Where(span => span.ParentSpanId is not null && !HasReceivedParent(span))))
            {
                WriteTree(orphan, 0, $"(parent {orphan.ParentSpanId} not received)");
            }

            // Parent links that loop never reach a root; show those spans rather than lose them.
            foreach (var stranded in ByStart(_spans.Where(span => !_written.Contains(span))))
            {
                if (!_written.Contains(stranded))
                {
                    WriteTree(stranded, 0, $"(parent {stranded.ParentSpanId} not reachable from a root)");
                }
            }
        }

        private bool HasReceivedParent(ReceivedSpan span)
            => span.ParentSpanId is { } parent && _byId.ContainsKey(parent) && parent != span.SpanId;

        private void WriteTree(ReceivedSpan span, int depth, string? note)
        {
            if (!_written.Add(span))
            {
                return;
            }

            var indent = new string(' ', 2 * (depth + 1));
            _text.Append(indent).Append(span.Name)
                .Append(" [").Append(KindName(span.Kind)).Append("] ")
                .Append(DurationText.Format(span.DurationNanoseconds));
            AppendStatus(span);
            if (note is not null)
            {
                _text.Append(' ').Append(note);
            }

            _text.Append('\n');
            foreach (var attribute in span.Attributes)
            {
                _text.Append(indent).Append("  | ").Append(attribute.Key).Append(" = ").Append(attribute.Value).Append('\n');
            }

            if (_children.TryGetValue(span.SpanId, out var children))
            {
                foreach (var child in ByStart(children))
                {
                    WriteTree(child, depth + 1, note: null);
                }
            }
        }

        private void AppendStatus(ReceivedSpan span)
        {
            switch (span.StatusCode)
            {
                case 1:
                    _text.Append(" (ok)");
                    break;
                case 2:
                    _text.Append(span.StatusMessage is null ? " (error)" : $" (error: {span.StatusMessage})");
                    break;
            }
        }

        private static IEnumerable<ReceivedSpan> ByStart(IEnumerable<ReceivedSpan> spans)
            => spans.OrderBy(span => span.StartTimeUnixNano).ToList();

        private static string KindName(int kind)
            => kind >= 0 && kind < KindNames.Length ? KindNames[kind] : $"kind {kind}";
    }
}

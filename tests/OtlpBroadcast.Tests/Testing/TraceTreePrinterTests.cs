using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

public class TraceTreePrinterTests
{
    private const string Trace = "5b8efff798038103d269b633813fc60c";

    [Fact]
    public void RendersAThreeSpanTree()
    {
        // Input order differs from start order on purpose: the printer sorts.
        var spans = new[]
        {
            Span("0000000000000003", "0000000000000001", "attempt openai", kind: 3, start: 1_250_000_000, end: 1_900_000_000,
                status: 2, message: "upstream timeout", attributes: [new("http.response.status_code", ReceivedValue.FromInt(504))]),
            Span("0000000000000001", null, "Chat Handler", kind: 3, start: 1_000_000_000, end: 2_500_000_000,
                attributes: [new("user.id", ReceivedValue.FromString("user_12345")), new("gen_ai.request.temperature", ReceivedValue.FromDouble(1))]),
            Span("0000000000000002", "0000000000000001", "Generate Response", kind: 1, start: 1_000_250_000, end: 1_000_250_750, status: 1),
        };

        Assert.Equal(
            """
            trace 5b8efff798038103d269b633813fc60c
              Chat Handler [client] 1.5 s
                | user.id = "user_12345"
                | gen_ai.request.temperature = 1.0
                Generate Response [internal] 750 ns (ok)
                attempt openai [client] 650 ms (error: upstream timeout)
                  | http.response.status_code = 504

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            TraceTreePrinter.Render(spans));
    }

    [Fact]
    public void ShowsSpansWithAMissingParentAsRootsWithANote()
    {
        var spans = new[]
        {
            Span("0000000000000005", "00000000000000ff", "orphan", kind: 0, start: 10, end: 1_010),
            Span("0000000000000004", null, "root", kind: 2, start: 20, end: 2_000_020),
        };

        Assert.Equal(
            "trace " + Trace + "\n"
            + "  root [server] 2 ms\n"
            + "  orphan [unspecified] 1 us (parent 00000000000000ff not received)\n",
            TraceTreePrinter.Render(spans));
    }

    [Fact]
    public void OrdersTracesByTheirEarliestSpanAndKeepsLoopingSpans()
    {
        var spans = new[]
        {
            Span("000000000000000a", "000000000000000b", "a", kind: 1, start: 5, end: 5, trace: "0af7651916cd43dd8448eb211c80319c"),
            Span("000000000000000b", "000000000000000a", "b", kind: 1, start: 6, end: 7, trace: "0af7651916cd43dd8448eb211c80319c"),
            Span("0000000000000001", null, "early", kind: 1, start: 1, end: 2),
        };

        Assert.Equal(
            "trace " + Trace + "\n"
            + "  early [internal] 1 ns\n"
            + "trace 0af7651916cd43dd8448eb211c80319c\n"
            + "  a [internal] 0 ns (parent 000000000000000b not reachable from a root)\n"
            + "    b [internal] 1 ns\n",
            TraceTreePrinter.Render(spans));
    }

    [Fact]
    public void RendersNothingForNoSpans() => Assert.Equal("", TraceTreePrinter.Render([]));

    private static ReceivedSpan Span(
        string id, string? parent, string name, int kind, long start, long end,
        int status = 0, string? message = null, ReceivedAttribute[]? attributes = null, string trace = Trace)
        => new()
        {
            TraceId = trace,
            SpanId = id,
            ParentSpanId = parent,
            Name = name,
            Kind = kind,
            StartTimeUnixNano = start,
            EndTimeUnixNano = end,
            StatusCode = status,
            StatusMessage = message,
            Attributes = new ReceivedAttributeList(attributes ?? []),
        };
}

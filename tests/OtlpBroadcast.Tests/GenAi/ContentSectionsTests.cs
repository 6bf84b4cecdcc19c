namespace OtlpBroadcast.Tests.GenAi;

/// <summary>The byte ranges recorded around sensitive members, and the span left when they are taken out.</summary>
public class ContentSectionsTests
{
    private const string Span = """{"name":"g","attributes":[{"key":"a"},{"key":"secret1"},{"key":"b"},{"key":"secret2"}],"status":{}}""";

    /// <summary>Marks the ranges that start at each opening (before its comma) and end after each closing text.</summary>
    private static ContentSections Mark(string json, params (string Open, string Close)[] sections)
    {
        var marks = new ContentSections();
        marks.Reset();
        foreach ((string open, string close) in sections)
        {
            marks.Open(atTopLevel: true, position: json.IndexOf(open, StringComparison.Ordinal), truncated: 0);
            marks.Close(position: json.IndexOf(close, StringComparison.Ordinal) + close.Length, truncated: 0);
        }

        return marks;
    }

    private static string Without(string json, ContentSections sections, SpanEncoding encoding = SpanEncoding.Json)
    {
        SpanFragment span = SpanFragment.Rent(json.Length, encoding, contentWithheld: false, out Span<byte> bytes);
        System.Text.Encoding.UTF8.GetBytes(json, bytes);
        SpanFragment withheld = sections.CopyWithout(span) ?? throw new InvalidOperationException("The record made no span.");
        try
        {
            Assert.True(withheld.ContentWithheld);
            Assert.Equal(encoding, withheld.Encoding);
            return System.Text.Encoding.UTF8.GetString(withheld.Bytes);
        }
        finally
        {
            span.Release();
            withheld.Release();
        }
    }

    [Fact]
    public void SectionsInTheMiddleAndAtTheEndLeaveAWellFormedList()
    {
        ContentSections sections = Mark(Span, (""",{"key":"secret1"}""", """{"key":"secret1"}"""), (""",{"key":"secret2"}""", """{"key":"secret2"}"""));
        Assert.True(sections.Usable);
        Assert.Equal("""{"name":"g","attributes":[{"key":"a"},{"key":"b"}],"status":{}}""", Without(Span, sections));
    }

    [Fact]
    public void ASectionOpeningTheListTakesTheCommaAfterIt()
    {
        const string json = """{"attributes":[{"key":"secret"},{"key":"a"}]}""";
        Assert.Equal("""{"attributes":[{"key":"a"}]}""", Without(json, Mark(json, ("""{"key":"secret"}""", """{"key":"secret"}"""))));
    }

    [Fact]
    public void SectionsOneAfterAnotherOpeningTheListAreOneRange()
    {
        const string json = """{"attributes":[{"key":"secret1"},{"key":"secret2"},{"key":"a"}]}""";
        ContentSections sections = Mark(json, ("""{"key":"secret1"}""", """{"key":"secret1"}"""), (""",{"key":"secret2"}""", """{"key":"secret2"}"""));
        Assert.True(sections.Usable);
        Assert.Equal("""{"attributes":[{"key":"a"}]}""", Without(json, sections));
    }

    [Fact]
    public void OverlappingOrInvalidatedRecordsMakeNoSpan()
    {
        var overlapping = new ContentSections();
        overlapping.Reset();
        overlapping.Open(atTopLevel: true, position: 10, truncated: 0);
        overlapping.Close(position: 20, truncated: 0);
        overlapping.Open(atTopLevel: true, position: 15, truncated: 0);
        overlapping.Close(position: 25, truncated: 0);
        Assert.False(overlapping.Usable);

        ContentSections invalidated = Mark(Span, (""",{"key":"secret1"}""", """{"key":"secret1"}"""));
        invalidated.Invalidate();
        Assert.False(invalidated.Usable);
        SpanFragment span = SpanFragment.Rent(Span.Length, SpanEncoding.Json, contentWithheld: false, out Span<byte> bytes);
        System.Text.Encoding.UTF8.GetBytes(Span, bytes);
        Assert.Null(invalidated.CopyWithout(span));
        span.Release();
    }

    [Fact]
    public void ASectionThatIsTheWholeListLeavesItEmpty()
    {
        const string json = """{"attributes":[{"key":"secret"}]}""";
        Assert.Equal("""{"attributes":[]}""", Without(json, Mark(json, ("""{"key":"secret"}""", """{"key":"secret"}"""))));
    }

    [Fact]
    public void ProtobufRangesAreTakenOutAsTheyAre()
    {
        // In protobuf every attribute is a whole field of the span: no separators to mend, even a leading '['.
        const string bytes = "[A][S][B]";
        ContentSections sections = Mark(bytes, ("[S]", "[S]"));
        Assert.Equal("[A][B]", Without(bytes, sections, SpanEncoding.Protobuf));
    }

    [Fact]
    public void EmptyAndNestedSectionsAddNothingAndCountTheOutermostOnce()
    {
        var sections = new ContentSections();
        sections.Reset();
        sections.Open(atTopLevel: true, position: 10, truncated: 1);
        sections.Close(position: 10, truncated: 1);
        sections.Open(atTopLevel: true, position: 20, truncated: 1);
        sections.Open(atTopLevel: false, position: 25, truncated: 2); // inside the outer one: part of it
        sections.Close(position: 30, truncated: 3);
        sections.Close(position: 40, truncated: 4);
        Assert.True(sections.Usable);
        Assert.Equal(3, sections.TruncatedInside);
        string json = new string('x', 50);
        Assert.Equal(new string('x', 30), Without(json, sections, SpanEncoding.Protobuf));
    }

    [Fact]
    public void ASectionInsideAListOrLeftOpenOrClosedTwiceIsNotUsable()
    {
        var insideAList = new ContentSections();
        insideAList.Reset();
        insideAList.Open(atTopLevel: false, position: 1, truncated: 0);
        insideAList.Close(position: 2, truncated: 0);
        Assert.False(insideAList.Usable);

        var leftOpen = new ContentSections();
        leftOpen.Reset();
        leftOpen.Open(atTopLevel: true, position: 1, truncated: 0);
        Assert.False(leftOpen.Usable);

        var closedTwice = new ContentSections();
        closedTwice.Reset();
        closedTwice.Open(atTopLevel: true, position: 1, truncated: 0);
        closedTwice.Close(position: 2, truncated: 0);
        closedTwice.Close(position: 3, truncated: 0);
        Assert.False(closedTwice.Usable);

        // A new record starts usable again.
        closedTwice.Reset();
        Assert.True(closedTwice.Usable);
    }
}

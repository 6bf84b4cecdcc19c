using System.Text.Json;
using static OtlpBroadcast.Tests.OtlpEncoding.EncodingTestHelpers;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>Serial: released fragments go back to a process-wide pool that other tests' encodings draw from.</summary>
[Collection(SerialEncodingCollection.Name)]
public class SpanFragmentTests
{
    [Fact]
    public void FragmentExposesItsEncodedBytes()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan("bytes"));
        try
        {
            Assert.True(fragment.Length > 0);
            Assert.Equal(fragment.Length, fragment.Bytes.Length);
            Assert.Equal(fragment.Bytes.ToArray(), fragment.Memory.ToArray());
            using JsonDocument document = JsonDocument.Parse(fragment.Memory);
            Assert.Equal("bytes", document.RootElement.GetProperty("name").GetString());
        }
        finally
        {
            fragment.Release();
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1_400)]
    [InlineData(13_000)]
    public void AFragmentKeepsAtMostTwiceItsEncodedSizeAlive(int contentLength)
    {
        OtlpSpan span = NewSpan("sized").With("gen_ai.prompt", new string('x', contentLength));
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(span);
        try
        {
            Assert.InRange(fragment.Capacity, fragment.Length, 2 * fragment.Length);
        }
        finally
        {
            fragment.Release();
        }
    }

    [Fact]
    public void BytesStayValidUntilTheLastReferenceIsReleased()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan("shared"));
        byte[] original = fragment.Bytes.ToArray();
        fragment.AddReference();
        fragment.AddReference();

        fragment.Release();
        Assert.Equal(original, fragment.Bytes.ToArray());
        fragment.Release();
        Assert.Equal(original, fragment.Bytes.ToArray());

        fragment.Release();
        Assert.Equal(0, fragment.Length);
        Assert.True(fragment.Bytes.IsEmpty);
    }

    [Fact]
    public void OverReleaseThrows()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan());
        fragment.Release();

        Assert.Throws<InvalidOperationException>(fragment.Release);
        Assert.Throws<InvalidOperationException>(fragment.Release);
        Assert.Throws<InvalidOperationException>(fragment.AddReference);
    }

    [Fact]
    public void AddReferenceAfterReleaseThrows()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan());
        fragment.Release();

        Assert.Throws<InvalidOperationException>(fragment.AddReference);
    }

    [Fact]
    public void AFailedAddReferenceDoesNotReviveTheFragment()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan());
        fragment.Release();
        Assert.Throws<InvalidOperationException>(fragment.AddReference);

        // Had the failed call counted, this Release would "succeed" and put the fragment into the pool a second
        // time, so two later encodings would share one fragment object.
        Assert.Throws<InvalidOperationException>(fragment.Release);
        Assert.Throws<InvalidOperationException>(fragment.AddReference);
    }

    [Fact]
    public void RefusedCallsAfterAnOverReleaseDoNotReviveTheFragment()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan());
        fragment.Release();
        Assert.Throws<InvalidOperationException>(fragment.Release);

        // Two refused AddReference calls must not climb the count back to one.
        Assert.Throws<InvalidOperationException>(fragment.AddReference);
        Assert.Throws<InvalidOperationException>(fragment.AddReference);
        Assert.Throws<InvalidOperationException>(fragment.Release);
    }

    [Fact]
    public void ReferencesCountedConcurrently()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(NewSpan("concurrent"));
        byte[] original = fragment.Bytes.ToArray();

        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                fragment.AddReference();
                fragment.Release();
            }
        });

        // The caller's reference is still the only one: the bytes are intact and one Release finishes it.
        Assert.Equal(original, fragment.Bytes.ToArray());
        fragment.Release();
        Assert.Equal(0, fragment.Length);
        Assert.Throws<InvalidOperationException>(fragment.Release);
    }

    [Fact]
    public void ReleasedFragmentsAreReusedWithFreshState()
    {
        var header = new SpanHeader { TraceId = TraceId.CreateRandom(), SpanId = SpanId.CreateRandom(), Name = "withheld" };
        var none = new NoAttributes();
        SpanFragment withheld = OtlpJsonSpanEncoder.Encode(header, ref none, contentWithheld: true);
        withheld.Release();

        // Whether or not the pool hands back the same object, the new fragment carries its own state.
        SpanFragment next = OtlpJsonSpanEncoder.Encode(NewSpan("next"));
        try
        {
            Assert.False(next.ContentWithheld);
            using JsonDocument document = JsonDocument.Parse(next.Memory);
            Assert.Equal("next", document.RootElement.GetProperty("name").GetString());
            next.AddReference();
            next.Release();
            Assert.True(next.Length > 0);
        }
        finally
        {
            next.Release();
        }
    }

    /// <summary>A span encoded through its header (<see cref="SpanHeader.From(OtlpSpan)"/>, the public path for
    /// attributes of one's own) with content withheld loses a status message marked as content, as one encoded from the
    /// span model does: the fragment is marked <see cref="SpanFragment.ContentWithheld"/>, so the registry sends it to
    /// privacy mode. An unmarked message, or content not withheld, keeps it.</summary>
    [Theory]
    [InlineData(SpanEncoding.Json, true, true)]
    [InlineData(SpanEncoding.Protobuf, true, true)]
    [InlineData(SpanEncoding.Json, false, true)]
    [InlineData(SpanEncoding.Json, true, false)]
    [InlineData(SpanEncoding.Protobuf, true, false)]
    public void AStatusMessageMarkedAsContentIsWithheldOnTheHeaderPathToo(SpanEncoding encoding, bool marked, bool withheld)
    {
        const string Canary = "header-status-canary-8c4e";
        OtlpSpan span = NewSpan("status");
        span.Status = SpanStatus.Error($"upstream refused the prompt '{Canary}'");
        span.StatusMessageIsContent = marked;
        var attributes = new SpanAttributeList(span.Attributes, includeContent: !withheld);

        SpanFragment fragment = encoding == SpanEncoding.Protobuf
            ? OtlpProtobufSpanEncoder.Encode(SpanHeader.From(span), ref attributes, contentWithheld: withheld)
            : OtlpJsonSpanEncoder.Encode(SpanHeader.From(span), ref attributes, contentWithheld: withheld);
        try
        {
            string bytes = System.Text.Encoding.UTF8.GetString(fragment.Bytes);
            if (marked && withheld)
            {
                Assert.DoesNotContain(Canary, bytes, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains(Canary, bytes, StringComparison.Ordinal);
            }
        }
        finally
        {
            fragment.Release();
        }
    }
}

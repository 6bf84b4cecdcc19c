using System.Buffers;
using System.Text.Json;
using static OtlpBroadcast.Tests.OtlpEncoding.EncodingTestHelpers;

namespace OtlpBroadcast.Tests.OtlpEncoding;

public class EnvelopeTests
{
    private static OtlpResource TestResource() => new(
        "checkout-api",
        [
            new SpanAttribute("deployment.environment", "staging"),
            new SpanAttribute("service.name", "ignored-duplicate"),
            new SpanAttribute("host.cores", 2L),
        ]);

    private static List<SpanFragment> EncodeSpans(int count)
    {
        var fragments = new List<SpanFragment>();
        for (int i = 0; i < count; i++)
        {
            fragments.Add(OtlpJsonSpanEncoder.Encode(NewSpan("span-" + i).With("index", (long)i)));
        }

        return fragments;
    }

    private static byte[] WriteBody(OtlpJsonEnvelope envelope, IReadOnlyList<SpanFragment> fragments)
    {
        var output = new ArrayBufferWriter<byte>();
        envelope.Write(output, fragments);
        return AssertValidUtf8WithoutBom(output.WrittenSpan.ToArray());
    }

    private static void ReleaseAll(List<SpanFragment> fragments)
    {
        foreach (SpanFragment fragment in fragments)
        {
            fragment.Release();
        }
    }

    /// <summary>Checks the exact OTLP shape and returns the spans array.</summary>
    private static JsonElement AssertOtlpShape(JsonElement root, OtlpResource resource)
    {
        Assert.Equal(["resourceSpans"], PropertyNames(root));
        JsonElement resourceSpans = root.GetProperty("resourceSpans");
        Assert.Equal(1, resourceSpans.GetArrayLength());

        JsonElement resourceSpan = resourceSpans[0];
        Assert.Equal(["resource", "scopeSpans"], PropertyNames(resourceSpan));
        JsonElement resourceElement = resourceSpan.GetProperty("resource");
        Assert.Equal(["attributes"], PropertyNames(resourceElement));
        JsonElement[] attributes = [.. resourceElement.GetProperty("attributes").EnumerateArray()];
        Assert.Equal(resource.Attributes.Count, attributes.Length);
        Assert.Equal(resource.ServiceName, StringValueOf(ValueOf(attributes[0], "service.name")));

        JsonElement scopeSpans = resourceSpan.GetProperty("scopeSpans");
        Assert.Equal(1, scopeSpans.GetArrayLength());
        JsonElement scopeSpan = scopeSpans[0];
        Assert.Equal(["scope", "spans"], PropertyNames(scopeSpan));
        JsonElement scope = scopeSpan.GetProperty("scope");
        Assert.Equal(["name", "version"], PropertyNames(scope));
        Assert.Equal("OtlpBroadcast", scope.GetProperty("name").GetString());
        Assert.Equal(SdkInfo.Version, scope.GetProperty("version").GetString());

        JsonElement spans = scopeSpan.GetProperty("spans");
        Assert.Equal(JsonValueKind.Array, spans.ValueKind);
        return spans;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void BodyHasTheOtlpShapeWithSpansInOrder(int count)
    {
        OtlpResource resource = TestResource();
        var envelope = new OtlpJsonEnvelope(resource);
        List<SpanFragment> fragments = EncodeSpans(count);
        try
        {
            byte[] body = WriteBody(envelope, fragments);
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement spans = AssertOtlpShape(document.RootElement, resource);

            Assert.Equal(count, spans.GetArrayLength());
            for (int i = 0; i < count; i++)
            {
                Assert.Equal("span-" + i, spans[i].GetProperty("name").GetString());
                Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), OnlyProperty(ValueOf(spans[i].GetProperty("attributes")[0], "index"), "intValue").GetString());
            }
        }
        finally
        {
            ReleaseAll(fragments);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void MeasureBodyIsTheExactByteCount(int count)
    {
        var envelope = new OtlpJsonEnvelope(TestResource());
        List<SpanFragment> fragments = EncodeSpans(count);
        try
        {
            byte[] body = WriteBody(envelope, fragments);
            long fragmentBytes = fragments.Sum(f => (long)f.Length);
            Assert.Equal(body.Length, envelope.MeasureBody(count, fragmentBytes));
            if (count == 0)
            {
                Assert.Equal(body.Length, envelope.Overhead);
            }
        }
        finally
        {
            ReleaseAll(fragments);
        }
    }

    [Fact]
    public void FragmentsAreCopiedVerbatimAndInOrder()
    {
        var envelope = new OtlpJsonEnvelope(TestResource());
        List<SpanFragment> fragments = EncodeSpans(3);
        try
        {
            byte[] body = WriteBody(envelope, fragments);
            byte[] empty = WriteBody(envelope, []);

            // The body is the empty envelope with the fragments, joined by commas, inserted before the suffix.
            int prefixLength = empty.Length - "]}]}]}".Length;
            byte[] joined = [.. fragments[0].Bytes, (byte)',', .. fragments[1].Bytes, (byte)',', .. fragments[2].Bytes];
            byte[] expected = [.. empty.AsSpan(0, prefixLength), .. joined, .. empty.AsSpan(prefixLength)];
            Assert.Equal(expected, body);

            int previous = -1;
            foreach (SpanFragment fragment in fragments)
            {
                int at = IndexOf(body, fragment.Bytes, previous + 1);
                Assert.True(at > previous, "Fragment missing or out of order.");
                previous = at;
            }
        }
        finally
        {
            ReleaseAll(fragments);
        }
    }

    [Fact]
    public void TheSameFragmentCanBeWrittenIntoSeveralBodies()
    {
        var first = new OtlpJsonEnvelope(TestResource());
        var second = new OtlpJsonEnvelope(new OtlpResource("other-service"));
        List<SpanFragment> fragments = EncodeSpans(2);
        try
        {
            byte[] a = WriteBody(first, fragments);
            byte[] b = WriteBody(second, fragments);
            using JsonDocument documentA = JsonDocument.Parse(a);
            using JsonDocument documentB = JsonDocument.Parse(b);
            Assert.Equal(2, AssertOtlpShape(documentA.RootElement, first.Resource).GetArrayLength());
            Assert.Equal(2, AssertOtlpShape(documentB.RootElement, second.Resource).GetArrayLength());
            Assert.True(IndexOf(a, fragments[1].Bytes) > 0);
            Assert.True(IndexOf(b, fragments[1].Bytes) > 0);
        }
        finally
        {
            ReleaseAll(fragments);
        }
    }

    [Fact]
    public void ResourceAttributesHaveServiceNameFirstThenTheCallersThenTheSdk()
    {
        OtlpResource resource = TestResource();
        byte[] body = WriteBody(new OtlpJsonEnvelope(resource), []);
        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement attributes = document.RootElement.GetProperty("resourceSpans")[0].GetProperty("resource").GetProperty("attributes");

        Assert.Equal(
            ["service.name", "deployment.environment", "host.cores", "telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version"],
            attributes.EnumerateArray().Select(a => a.GetProperty("key").GetString()!));
        Assert.Equal("checkout-api", StringValueOf(attributes[0].GetProperty("value")));
        Assert.Equal("staging", StringValueOf(attributes[1].GetProperty("value")));
        Assert.Equal("2", OnlyProperty(attributes[2].GetProperty("value"), "intValue").GetString());
        Assert.Equal("OtlpBroadcast", StringValueOf(attributes[3].GetProperty("value")));
        Assert.Equal("dotnet", StringValueOf(attributes[4].GetProperty("value")));
        Assert.Equal(SdkInfo.Version, StringValueOf(attributes[5].GetProperty("value")));
    }

    [Fact]
    public void SdkResourceAttributeTheCallerGivesIsSentOnceWithTheCallersValue()
    {
        // OTEL_RESOURCE_ATTRIBUTES=telemetry.sdk.language=... : attribute keys of a resource must be unique, and the
        // user's resource wins over the SDK's defaults, as in the OpenTelemetry SDKs.
        var resource = new OtlpResource("checkout-api", [new SpanAttribute("telemetry.sdk.language", "csharp")]);
        byte[] body = WriteBody(new OtlpJsonEnvelope(resource), []);
        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement attributes = document.RootElement.GetProperty("resourceSpans")[0].GetProperty("resource").GetProperty("attributes");

        Assert.Equal(
            ["service.name", "telemetry.sdk.language", "telemetry.sdk.name", "telemetry.sdk.version"],
            attributes.EnumerateArray().Select(a => a.GetProperty("key").GetString()!));
        Assert.Equal("csharp", StringValueOf(attributes[1].GetProperty("value")));
    }

    [Fact]
    public void ResourceNeedsAServiceName()
    {
        Assert.Throws<ArgumentException>(() => new OtlpResource(""));
        Assert.Throws<ArgumentException>(() => new OtlpResource("  "));
        Assert.Throws<ArgumentNullException>(() => new OtlpJsonEnvelope(null!));
    }

    [Fact]
    public void DefaultResourceNamesAnUnknownService()
        => Assert.StartsWith("unknown_service:", OtlpResource.Default.ServiceName, StringComparison.Ordinal);

    [Fact]
    public void WriteRejectsNullArguments()
    {
        var envelope = new OtlpJsonEnvelope(TestResource());
        Assert.Throws<ArgumentNullException>(() => envelope.Write(null!, []));
        Assert.Throws<ArgumentNullException>(() => envelope.Write(new ArrayBufferWriter<byte>(), null!));
    }
}

using System.Net;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

public class OtlpTestReceiverTransportTests
{
    [Fact]
    public async Task ListensOnLoopbackWithAFreePort()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();

        Assert.Equal("127.0.0.1", receiver.BaseAddress.Host);
        Assert.NotEqual(0, receiver.BaseAddress.Port);
        Assert.Equal(new Uri(receiver.BaseAddress, "v1/traces"), receiver.TracesEndpoint);
        Assert.EndsWith("/v1/traces", receiver.TracesEndpoint.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptsJsonAndRecordsTheRequest()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();
        client.DefaultRequestHeaders.Add("X-Custom", "v1");
        var json = OtlpSamples.OneSpan();

        using var response = await client.PostJsonAsync(receiver, json, "application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var span = Assert.Single(receiver.Spans);
        Assert.Equal(OtlpSamples.RootSpanId, span.SpanId);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal(0, request.Index);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/traces", request.Path);
        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        Assert.Null(request.ContentEncoding);
        Assert.Equal("v1", request.Headers["x-custom"]);
        Assert.Equal(OtlpSamples.Utf8(json), request.Body.ToArray());
        Assert.Equal(json, request.BodyText);
        Assert.Equal(200, request.StatusCode);
        Assert.Null(request.DecodeError);
        Assert.True(request.SpansStored);
        Assert.Same(span, Assert.Single(request.Spans));
    }

    [Fact]
    public async Task GunzipsAGzipBody()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();
        var plain = OtlpSamples.Utf8(OtlpSamples.Full);
        var compressed = ReceiverClient.Gzip(plain);

        using var response = await client.PostGzipAsync(receiver, compressed);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("gzip", request.ContentEncoding);
        Assert.Equal(compressed, request.Body.ToArray());
        Assert.Equal(plain, request.DecompressedBody.ToArray());
        Assert.Equal("chat gpt-4o", Assert.Single(receiver.Spans).Name);
    }

    [Fact]
    public async Task AnswersInvalidGzipWith400()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();

        using var response = await client.PostGzipAsync(receiver, OtlpSamples.Utf8(OtlpSamples.OneSpan()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("$: invalid gzip body: ", Assert.Single(receiver.Requests).DecodeError, StringComparison.Ordinal);
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task JsonSentAsProtobufIsA400NamingTheProblem()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();

        using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(Assert.Single(receiver.Requests).DecodeError);
        Assert.Empty(receiver.Spans);
    }

    [Theory]
    [InlineData("application/grpc")]
    [InlineData("text/plain")]
    public async Task AnswersOtherMediaTypesWith415(string contentType)
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();

        using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan(), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(415, Assert.Single(receiver.Requests).StatusCode);
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task AnswersOtherContentEncodingsWith415()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();
        var content = ReceiverClient.Content(OtlpSamples.Utf8(OtlpSamples.OneSpan()), "application/json");
        content.Headers.ContentEncoding.Add("br");

        using var response = await client.PostAsync(receiver.TracesEndpoint, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task AnswersOtherPathsWith404AndOtherMethodsWith405()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();

        using var wrongPath = await client.PostAsync(new Uri(receiver.BaseAddress, "v1/trace"), ReceiverClient.Content("{}"u8.ToArray(), "application/json"));
        using var wrongMethod = await client.GetAsync(receiver.TracesEndpoint);

        Assert.Equal(HttpStatusCode.NotFound, wrongPath.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal(["POST"], wrongMethod.Content.Headers.Allow);
        Assert.Equal(["/v1/trace", "/v1/traces"], receiver.Requests.Select(r => r.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnswersAMissingOrWrongRequiredHeaderWith401()
    {
        var options = new OtlpTestReceiverOptions { RequiredHeaders = { ["x-otlp-api-key"] = "secret" } };
        await using var receiver = await OtlpTestReceiver.StartAsync(options);
        using var client = ReceiverClient.Create();

        using var missing = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());
        client.DefaultRequestHeaders.Add("X-OTLP-API-KEY", "wrong");
        using var wrong = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());
        client.DefaultRequestHeaders.Remove("X-OTLP-API-KEY");
        client.DefaultRequestHeaders.Add("X-OTLP-API-KEY", "secret");
        using var right = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan());

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("{\"code\":16,\"message\":\"missing or wrong x-otlp-api-key header\"}", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Single(receiver.Spans);
    }

    [Fact]
    public async Task AnswersAnInvalidBodyWith400NamingThePath()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var client = ReceiverClient.Create();

        using var response = await client.PostJsonAsync(receiver, OtlpSamples.OneSpan("\"kind\":\"SPAN_KIND_CLIENT\""));

        const string Expected = "resourceSpans[0].scopeSpans[0].spans[0].kind: expected an integer 0..5 (span kind), found string \"SPAN_KIND_CLIENT\"";
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("spans[0].kind: expected an integer", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal(Expected, request.DecodeError);
        Assert.False(request.SpansStored);
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task LenientReceiverAcceptsNumbersFor64BitIntegers()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { Strict = false });
        using var client = ReceiverClient.Create();
        var json = OtlpSamples.OneSpan().Replace("\"endTimeUnixNano\":\"2\"", "\"endTimeUnixNano\":2", StringComparison.Ordinal);

        using var response = await client.PostJsonAsync(receiver, json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, Assert.Single(receiver.Spans).EndTimeUnixNano);
    }

    [Fact]
    public async Task AnswersATooLargeBodyWith413BeforeAndAfterGunzip()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions { MaxRequestBodyBytes = 1000 });
        using var client = ReceiverClient.Create();
        var json = OtlpSamples.OneSpan();
        var bomb = ReceiverClient.Gzip(OtlpSamples.Utf8(json.PadRight(4000)));

        using var raw = await client.PostJsonAsync(receiver, json.PadRight(2000));
        using var gzipped = await client.PostGzipAsync(receiver, bomb);
        using var small = await client.PostJsonAsync(receiver, json);

        Assert.True(bomb.Length < 1000);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, raw.StatusCode);
        Assert.Equal(1000, receiver.Requests[0].Body.Length);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, gzipped.StatusCode);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Single(receiver.Spans);
    }
}

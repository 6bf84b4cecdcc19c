using System.IO.Compression;
using System.Net.Http.Headers;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>Plain HttpClient posts, so the receiver is exercised without the SDK's exporter.</summary>
internal static class ReceiverClient
{
    /// <summary>How long a test waits for what normally takes milliseconds (a post, a request reaching the receiver).
    /// 30 s: with test classes running side by side on two cores, an HttpClient once waited more than 10 s for its
    /// connection to a receiver that aborts (AbortResetsTheConnectionWithoutAnswer, CI of 7 Dec: TaskCanceledException
    /// from the client's 10 s timeout instead of the reset), which no test means to measure.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static HttpClient Create(TimeSpan? timeout = null) => new() { Timeout = timeout ?? Patience };

    public static Task<HttpResponseMessage> PostJsonAsync(
        this HttpClient client, OtlpTestReceiver receiver, string json, string contentType = "application/json", CancellationToken cancellationToken = default)
        => client.PostAsync(receiver.TracesEndpoint, Content(OtlpSamples.Utf8(json), contentType), cancellationToken);

    public static Task<HttpResponseMessage> PostGzipAsync(this HttpClient client, OtlpTestReceiver receiver, byte[] compressed)
    {
        var content = Content(compressed, "application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return client.PostAsync(receiver.TracesEndpoint, content);
    }

    public static byte[] Gzip(byte[] plain)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return buffer.ToArray();
    }

    public static ByteArrayContent Content(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }
}

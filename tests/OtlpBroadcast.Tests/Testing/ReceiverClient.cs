using System.IO.Compression;
using System.Net.Http.Headers;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Testing;

/// <summary>Plain HttpClient posts, so the receiver is exercised without the SDK's exporter.</summary>
internal static class ReceiverClient
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

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

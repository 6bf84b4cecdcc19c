using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Export;

/// <summary>
/// Sends one OTLP/HTTP request to a destination and classifies the answer. It never throws for network or HTTP
/// failures: every outcome is an <see cref="ExportResult"/>.
/// </summary>
internal sealed class OtlpHttpTransport
{
    /// <summary>The OTLP specification: a response body over 4 MiB is not read and the request counts as failed.</summary>
    internal const int MaxResponseBytes = 4 * 1024 * 1024;
    private const int MaxMessageLength = 512;

    /// <summary>How much of an answer is read at a time.</summary>
    private const int ResponseChunkBytes = 16 * 1024;

    private static readonly MediaTypeHeaderValue JsonContentType = new(SpanEnvelopes.JsonMediaType);
    private static readonly MediaTypeHeaderValue ProtobufContentType = new(SpanEnvelopes.ProtobufMediaType);
    private static readonly ProductInfoHeaderValue[] UserAgent = ParseUserAgent();

    private readonly HttpMessageInvoker _client;
    private readonly OtlpDestination _destination;
    private readonly TimeProvider _time;

    /// <summary>The compressed body of the current request, reused (one send at a time per transport).</summary>
    private MemoryStream? _compressed;

    /// <summary>Why the network policy refuses the endpoint's host as written (an IP literal, <c>localhost</c>), or
    /// <see langword="null"/>. Checked once here, so even a client without the policy's connect-time check never
    /// sends to such a host; names that need resolving are left to that check.</summary>
    private readonly string? _refusal;

    public OtlpHttpTransport(OtlpDestination destination, HttpMessageInvoker client, TimeProvider time, DestinationNetworkPolicy? policy = null)
    {
        _destination = destination;
        _client = client;
        _time = time;
        _refusal = policy?.FindProblem(destination.Endpoint);
    }

    /// <summary>Sends what <paramref name="services"/> say: their client, clock and network policy.</summary>
    public OtlpHttpTransport(OtlpDestination destination, ExporterServices services)
        : this(destination, services.HttpClient, services.TimeProvider, services.NetworkPolicy)
    {
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns once the status and headers have come: the body is read after
    /// that, within the 4 MiB limit and with a failed read judged by the status. An <see cref="HttpClient"/> (what an
    /// <c>IHttpClientFactory</c> gives, as the hosting package passes) would otherwise read the whole body into memory
    /// before returning, whatever its size, and a body that stalls would end the send without a status.
    /// </summary>
    private Task<HttpResponseMessage> SendForHeadersAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => _client is HttpClient client
            ? client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            : _client.SendAsync(request, cancellationToken);

    public Task<ExportResult> SendAsync(ReadOnlyMemory<byte> body, TimeSpan timeout, CancellationToken cancellationToken)
        => SendCoreAsync(body, timeout, synchronously: false, cancellationToken).AsTask();

    /// <summary>
    /// <see cref="SendAsync"/> on the calling thread, with the HTTP stack's synchronous calls: what an exporter on a
    /// thread of its own does (see <see cref="ExporterServices.MaxDedicatedExportThreads"/>), so that no thread-pool
    /// thread is woken for the answer and then left spinning idle. Only for the SDK's own handler (a
    /// <see cref="SocketsHttpHandler"/>, which sends HTTP/1.1 synchronously): a <see cref="DelegatingHandler"/> that
    /// overrides only <c>SendAsync</c> would be passed by.
    /// </summary>
    public ExportResult Send(ReadOnlyMemory<byte> body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ValueTask<ExportResult> sent = SendCoreAsync(body, timeout, synchronously: true, cancellationToken);
        System.Diagnostics.Debug.Assert(sent.IsCompleted, "A synchronous send awaits nothing.");
        return sent.GetAwaiter().GetResult();
    }

    /// <summary>The one body of <see cref="SendAsync"/> and <see cref="Send"/>: with <paramref name="synchronously"/>
    /// every call into the HTTP stack is its synchronous twin, and the returned task is already complete.</summary>
    private async ValueTask<ExportResult> SendCoreAsync(ReadOnlyMemory<byte> body, TimeSpan timeout, bool synchronously, CancellationToken cancellationToken)
    {
        if (_refusal is not null)
        {
            return new ExportResult { Outcome = ExportOutcome.Refused, Message = _refusal };
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long started = _time.GetTimestamp();
        HttpRequestMessage? request = null;
        try
        {
            // Built inside the try: compressing the body or adding a header can throw too, and that must end as a
            // failed result like any other, not as an exception that ends the exporter's loop.
            request = CreateRequest(body);
            timeoutSource.CancelAfter(timeout);
            using HttpResponseMessage response = synchronously
                ? _client.Send(request, timeoutSource.Token)
                : await SendForHeadersAsync(request, timeoutSource.Token).ConfigureAwait(false);
            (byte[]? responseBody, bool tooLarge, string? unread) = await ReadLimitedAsync(response, timeout, synchronously, timeoutSource.Token, cancellationToken).ConfigureAwait(false);
            return Classify(response, responseBody, tooLarge, unread, _time.GetElapsedTime(started));
        }
        catch (Exception exception) when (FindRefusal(exception) is { } refused)
        {
            return new ExportResult
            {
                Outcome = ExportOutcome.Refused,
                Message = refused.Message,
                Latency = _time.GetElapsedTime(started),
            };
        }
        catch (OtlpConfigurationException exception)
        {
            // The destination's own settings cannot make a request (a header the request refuses): the same every
            // time, so final, not tried again until the attempts run out.
            return new ExportResult
            {
                Outcome = ExportOutcome.Final,
                Message = exception.Message,
                Latency = _time.GetElapsedTime(started),
            };
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The attempt's timeout, or else the HTTP stack's own: an HttpClient's Timeout shorter than the export
            // timeout ends the send first, and is named so that the setting to change is the right one.
            return new ExportResult
            {
                Outcome = ExportOutcome.Retryable,
                Message = timeoutSource.IsCancellationRequested ? TimedOut(timeout) : ClientGaveUp(exception, timeout),
                Latency = _time.GetElapsedTime(started),
            };
        }
        catch (HttpRequestException exception)
        {
            return new ExportResult
            {
                Outcome = ExportOutcome.Retryable,
                Message = Redact(Describe(exception)),
                Latency = _time.GetElapsedTime(started),
            };
        }
        catch (IOException exception)
        {
            return new ExportResult
            {
                Outcome = ExportOutcome.Retryable,
                Message = Redact("connection lost: " + exception.Message),
                Latency = _time.GetElapsedTime(started),
            };
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Whatever else the HTTP stack throws: a DelegatingHandler's InvalidOperationException, a circuit breaker
            // that is open, a client disposed under us. Retryable, because most of these pass (a breaker closes
            // again), and the attempts and the export timeout still bound how long a batch is tried. The caller's
            // cancellation is not caught here: it still ends the send as the caller asked.
            return new ExportResult
            {
                Outcome = ExportOutcome.Retryable,
                Message = DescribeUnexpected(exception),
                Latency = _time.GetElapsedTime(started),
            };
        }
        finally
        {
            request?.Dispose();
        }
    }

    /// <summary>An exception no other case expected, as a message: its type (which says what happened when its text
    /// does not) and its text, redacted (a handler may quote the request's headers) and cut to the usual length.</summary>
    internal string DescribeUnexpected(Exception exception)
        => Truncate(Redact($"unexpected {exception.GetType().Name}: {exception.Message}"));

    private HttpRequestMessage CreateRequest(ReadOnlyMemory<byte> body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _destination.Endpoint);
        try
        {
            request.Content = CreateContent(body);
            foreach (ProductInfoHeaderValue product in UserAgent)
            {
                request.Headers.UserAgent.Add(product);
            }

            _destination.Headers.ApplyTo(request);
            return request;
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    private HttpContent CreateContent(ReadOnlyMemory<byte> body)
    {
        HttpContent content;
        if (_destination.Compression == OtlpCompression.Gzip)
        {
            // One buffer for every batch (one send at a time per transport): a new one per batch of a megabyte was a
            // 256 KB array on the large-object heap each time, and the full collections those bring.
            MemoryStream compressed = _compressed ??= new MemoryStream(capacity: Math.Max(256, body.Length / 4));
            compressed.SetLength(0);
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(body.Span);
            }

            content = new ReadOnlyMemoryContent(compressed.GetBuffer().AsMemory(0, (int)compressed.Length));
            content.Headers.ContentEncoding.Add("gzip");
        }
        else
        {
            content = new ReadOnlyMemoryContent(body);
        }

        content.Headers.ContentType = _destination.Encoding == SpanEncoding.Protobuf ? ProtobufContentType : JsonContentType;
        return content;
    }

    /// <summary>Why a send ended without an answer because the per-attempt timeout fired.</summary>
    private static string TimedOut(TimeSpan timeout) => $"timed out after {Seconds(timeout)} s";

    /// <summary>Why a send ended without an answer when the HTTP stack cancelled it before the attempt's
    /// <paramref name="timeout"/> fired (the caller did not). The HttpClient's Timeout is named only when it is what
    /// fired: the HttpClient then throws with a <see cref="TimeoutException"/> inside; a handler under it that cancels
    /// by itself does not.</summary>
    private string ClientGaveUp(OperationCanceledException exception, TimeSpan timeout)
        => exception.InnerException is TimeoutException
            && _client is HttpClient { Timeout: var limit } && limit != Timeout.InfiniteTimeSpan && limit < timeout
            ? $"timed out after {Seconds(limit)} s: the HttpClient's Timeout, shorter than the destination's timeout of {Seconds(timeout)} s"
            : $"the HTTP stack cancelled the request before the destination's timeout of {Seconds(timeout)} s";

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Reads the body, up to <see cref="MaxResponseBytes"/>, and unpacks it when it is compressed (gzip, deflate
    /// or brotli). <c>Unread</c> says why a body could not be read: the connection closed inside an error's body, the
    /// attempt's timeout fired while it came, or a compressed body does not unpack (with <c>TooLarge</c>: it unpacks to more than the limit).
    /// <paramref name="attempt"/> is the attempt's token (the timeout and <paramref name="caller"/>'s cancellation);
    /// the caller's own cancellation (shutdown) is never turned into an answer.</summary>
    private static async ValueTask<(byte[]? Body, bool TooLarge, string? Unread)> ReadLimitedAsync(
        HttpResponseMessage response, TimeSpan timeout, bool synchronously, CancellationToken attempt, CancellationToken caller)
    {
        if (response.Content.Headers.ContentLength is > MaxResponseBytes)
        {
            return (null, true, null);
        }

        byte[]? body;
        try
        {
            if (synchronously)
            {
                body = ReadCapped(response, attempt);
            }
            else
            {
                using Stream stream = await response.Content.ReadAsStreamAsync(attempt).ConfigureAwait(false);
                body = await ReadCappedAsync(stream, synchronously: false, attempt).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException && !response.IsSuccessStatusCode)
        {
            // The status arrived before the connection closed, and an error's body is only its message: the status
            // still decides (a 400 sent again is refused again). A 2xx cut off stays a lost answer, sent again: its
            // body is what says how many spans were rejected.
            return (null, false, "the response body was cut off");
        }
        catch (OperationCanceledException) when (!response.IsSuccessStatusCode && !caller.IsCancellationRequested)
        {
            // The same for the attempt's timeout firing inside the body: the status came, so it decides. Shutdown
            // (the caller's token) is not caught and still ends the send as the caller asked.
            return (null, false, "the response body could not be read: " + TimedOut(timeout));
        }

        return body is null ? (null, true, null)
            : ContentCoding(response.Content.Headers) is { } coding ? await UnpackAsync(body, coding, synchronously, attempt).ConfigureAwait(false)
            : (body, false, null);
    }

    /// <summary>
    /// <see cref="ReadCappedAsync(Stream, CancellationToken)"/> with synchronous reads. A synchronous read takes no
    /// token, so the attempt's token (its timeout, or the shutdown) disposes the response instead, which closes the
    /// connection at once (the SDK's handler does not drain an answer it gives up, see
    /// <see cref="DestinationNetworkPolicy.CreateHandler"/>) and ends a read that waits; the read then ends as the
    /// asynchronous one would, with an <see cref="OperationCanceledException"/>.
    /// </summary>
    private static byte[]? ReadCapped(HttpResponseMessage response, CancellationToken attempt)
    {
        using CancellationTokenRegistration ending = attempt.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
        try
        {
            using Stream stream = response.Content.ReadAsStream(attempt);
            return ReadCappedAsync(stream, synchronously: true, attempt).GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is not OperationCanceledException && attempt.IsCancellationRequested)
        {
            // Once the token has disposed the response, whatever the read throws (a closed connection, a disposed
            // stream, a content already given up) comes from that.
            throw new OperationCanceledException("The response body was not read before the attempt ended.", exception, attempt);
        }
    }

    /// <summary>The whole stream, or <see langword="null"/> when it holds more than <see cref="MaxResponseBytes"/>.</summary>
    /// <remarks>Nearly every answer is empty or a few bytes (an OTLP success, a short error), and one is read per batch:
    /// it is read into a pooled chunk and copied out once, so an empty answer allocates nothing here and a short one
    /// only its own bytes. Only an answer longer than the chunk gathers its chunks in a <see cref="MemoryStream"/>.</remarks>
    internal static Task<byte[]?> ReadCappedAsync(Stream stream, CancellationToken cancellationToken)
        => ReadCappedAsync(stream, synchronously: false, cancellationToken).AsTask();

    private static async ValueTask<byte[]?> ReadCappedAsync(Stream stream, bool synchronously, CancellationToken cancellationToken)
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ResponseChunkBytes);
        MemoryStream? gathered = null;
        try
        {
            long total = 0;
            int filled = 0;
            int read;
            while ((read = synchronously ? stream.Read(chunk.AsSpan(filled)) : await stream.ReadAsync(chunk.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > MaxResponseBytes)
                {
                    return null;
                }

                filled += read;
                if (filled == chunk.Length)
                {
                    (gathered ??= new MemoryStream()).Write(chunk, 0, filled);
                    filled = 0;
                }
            }

            if (gathered is null)
            {
                return filled == 0 ? [] : chunk.AsSpan(0, filled).ToArray();
            }

            gathered.Write(chunk, 0, filled);
            return gathered.ToArray();
        }
        finally
        {
            gathered?.Dispose();
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>How the server compressed its answer, though the request never asked it to (a proxy may): <c>gzip</c>
    /// (or <c>x-gzip</c>), <c>deflate</c> or <c>br</c>; <see langword="null"/> for an answer as it is, or one coded in a
    /// way not known here, which is read as it is. Read through <c>NonValidated</c>: the typed collection would be built
    /// for every answer, and this runs on every success.</summary>
    private static string? ContentCoding(HttpContentHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("Content-Encoding", out HeaderStringValues values) || values.Count != 1)
        {
            return null;
        }

        string coding = values.ToString().Trim();
        foreach (string known in (ReadOnlySpan<string>)["gzip", "deflate", "br"])
        {
            if (coding.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase) ? "gzip" : null;
    }

    /// <summary>A compressed body unpacked. What it unpacks to is capped at <see cref="MaxResponseBytes"/> as what is
    /// read is: a few kilobytes can unpack to gigabytes (a decompression bomb). HTTP's <c>deflate</c> is the zlib
    /// format; some servers send the raw deflate stream under that name, which is tried when the zlib header is not
    /// there.</summary>
    private static async ValueTask<(byte[]? Body, bool TooLarge, string? Unread)> UnpackAsync(byte[] compressed, string coding, bool synchronously, CancellationToken cancellationToken)
    {
        try
        {
            using Stream unpacking = coding switch
            {
                "gzip" => new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress),
                "br" => new BrotliStream(new MemoryStream(compressed), CompressionMode.Decompress),
                _ when IsZlib(compressed) => new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress),
                _ => new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress),
            };
            return await ReadCappedAsync(unpacking, synchronously, cancellationToken).ConfigureAwait(false) is { } body
                ? (body, false, null)
                : (null, true, $"the response body unpacks ({coding}) to more than 4 MiB and was not read");
        }
        catch (Exception exception) when (exception is InvalidDataException || (exception is InvalidOperationException && coding == "br"))
        {
            // BrotliStream reports data it cannot decode as an InvalidOperationException, where the others throw
            // InvalidDataException: uncaught, it ended the send as unexpected, and an accepted batch was sent again.
            return (null, false, $"the response body says Content-Encoding {coding} but could not be decompressed");
        }
    }

    /// <summary>Whether <paramref name="data"/> starts with a zlib header (RFC 1950): the deflate method, and the first
    /// two bytes a multiple of 31.</summary>
    private static bool IsZlib(byte[] data)
        => data.Length >= 2 && (data[0] & 0x0F) == 8 && ((data[0] << 8) | data[1]) % 31 == 0;

    private ExportResult Classify(HttpResponseMessage response, byte[]? body, bool tooLarge, string? unread, TimeSpan latency)
    {
        HttpStatusCode status = response.StatusCode;
        if (tooLarge)
        {
            return new ExportResult
            {
                Outcome = ExportOutcome.Final,
                StatusCode = status,
                Message = unread ?? "the response body is larger than 4 MiB and was not read",
                Latency = latency,
            };
        }

        if (response.IsSuccessStatusCode)
        {
            if (unread is not null)
            {
                // The spans were accepted, but whether some were rejected is in the body that could not be read: they
                // count as exported, and the answer is reported as a problem rather than passed over.
                return new ExportResult { Outcome = ExportOutcome.Success, StatusCode = status, Message = unread, AnswerUnread = true, Latency = latency };
            }

            ExportTracePartialSuccess? partial = IsProtobuf(response.Content.Headers.ContentType)
                ? OtlpProtobufResponse.ReadPartialSuccess(body)
                : ReadPartialSuccess(body);
            return new ExportResult
            {
                Outcome = ExportOutcome.Success,
                StatusCode = status,
                RejectedSpans = Math.Max(0, partial?.RejectedSpans ?? 0),
                Message = partial?.ErrorMessage is { Length: > 0 } message ? Truncate(Redact(message)) : null,
                Latency = latency,
            };
        }

        TimeSpan? retryAfter = null;
        if (response.Headers.TryGetValues("Retry-After", out IEnumerable<string>? values)
            && RetryPolicy.TryParseRetryAfter(values.FirstOrDefault(), _time.GetUtcNow(), out TimeSpan delay))
        {
            retryAfter = delay;
        }

        // The reason phrase is the server's text as much as the body is (one may echo the credentials there): both
        // are redacted and cut alike. A protobuf body is a binary google.rpc.Status (OTLP/HTTP's failure body): its
        // message is the text, and its bytes never are. A JSON Status is reported by its message too; any other body
        // as it came.
        string? text = unread
            ?? (body is not { Length: > 0 } ? response.ReasonPhrase
            : IsProtobuf(response.Content.Headers.ContentType) ? OtlpProtobufResponse.ReadStatusMessage(body) ?? response.ReasonPhrase
            : ReadJsonStatusMessage(body) ?? Encoding.UTF8.GetString(body));
        return new ExportResult
        {
            Outcome = status == HttpStatusCode.RequestEntityTooLarge ? ExportOutcome.TooLarge
                : RetryPolicy.IsRetryable(status) ? ExportOutcome.Retryable
                : ExportOutcome.Final,
            StatusCode = status,
            Message = text is null ? null : Truncate(Redact(text)),
            RedirectTarget = (int)status is >= 300 and < 400 ? RedirectTarget(response) : null,
            RetryAfter = retryAfter,
            Latency = latency,
        };
    }

    // The OTLP specification: the response is encoded like the request. Reading by the response's Content-Type rather
    // than the destination's protocol also copes with a backend that answers a protobuf request with JSON.
    private static bool IsProtobuf(MediaTypeHeaderValue? contentType)
        => string.Equals(contentType?.MediaType, SpanEnvelopes.ProtobufMediaType, StringComparison.OrdinalIgnoreCase);

    private static ExportTracePartialSuccess? ReadPartialSuccess(byte[]? body)
    {
        if (body is not { Length: > 0 })
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, OtlpResponseJsonContext.Default.ExportTraceServiceResponse)?.PartialSuccess;
        }
        catch (JsonException)
        {
            // A 2xx with a body we cannot read is still a success: the spans were accepted.
            return null;
        }
    }

    /// <summary>The <c>message</c> of a JSON <c>google.rpc.Status</c>; <see langword="null"/> when the body is not one:
    /// not a JSON object, no message, or members a Status does not have (<c>code</c>, <c>message</c>,
    /// <c>details</c>), whose text the caller then reports whole.</summary>
    private static string? ReadJsonStatusMessage(byte[] body)
    {
        // Most bodies that are not JSON are told at once, without the cost of an exception.
        if (body.AsSpan().TrimStart(" \t\r\n"u8) is not [(byte)'{', ..])
        {
            return null;
        }

        try
        {
            RpcStatusJson? status = JsonSerializer.Deserialize(body, OtlpResponseJsonContext.Default.RpcStatusJson);
            return status is { Other: null or { Count: 0 }, Message: { } message } && !string.IsNullOrWhiteSpace(message) ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Where a redirect points, for the connection test's hint: only scheme, host and port, since its path and
    /// query may carry a token and a URL's user part a password.</summary>
    private string? RedirectTarget(HttpResponseMessage response)
        => response.Headers.Location is { IsAbsoluteUri: true } location
            ? Truncate(Redact(location.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)))
            : null;

    // Callers redact before they truncate: a cut through a secret leaves a piece that no longer matches it.
    private string Redact(string text) => _destination.Headers.Redact(text);

    /// <summary>The server's text as a message: on one line (a line break or other control character becomes a space,
    /// so a pretty-printed body, or one that forges a line, cannot break a log into lines), trimmed and cut.</summary>
    private static string Truncate(string text)
    {
        if (text.Any(char.IsControl))
        {
            text = string.Create(text.Length, text, static (line, source) =>
            {
                for (int i = 0; i < source.Length; i++)
                {
                    line[i] = char.IsControl(source[i]) ? ' ' : source[i];
                }
            });
        }

        text = text.Trim();
        return text.Length <= MaxMessageLength ? text : text[..MaxMessageLength] + "…";
    }

    private static DestinationRefusedException? FindRefusal(Exception exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is DestinationRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private static string Describe(HttpRequestException exception)
    {
        if (exception.InnerException is SocketException socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "host not found",
                SocketError.TimedOut => "connection timed out",
                SocketError.ConnectionReset => "connection reset",
                _ => "network error: " + socket.SocketErrorCode,
            };
        }

        return exception.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "connection failed: " + exception.Message,
            HttpRequestError.NameResolutionError => "host not found",
            HttpRequestError.SecureConnectionError => "TLS handshake failed: " + exception.Message,
            HttpRequestError.ResponseEnded => "the connection closed before a full response",
            _ => exception.Message,
        };
    }

    private static ProductInfoHeaderValue[] ParseUserAgent()
        => [.. SdkInfo.UserAgent.Split(' ').Select(ProductInfoHeaderValue.Parse)];
}

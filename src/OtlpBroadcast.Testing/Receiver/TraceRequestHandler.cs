using System.Text;
using Microsoft.AspNetCore.Http;

namespace OtlpBroadcast.Testing;

/// <summary>Handles one request: read, evaluate, let the responder decide, record, answer.</summary>
internal sealed class TraceRequestHandler(
    RequestEvaluator evaluator,
    Func<ReceivedRequest, int, ReceiverResponse?>? responder,
    long maxBodyBytes,
    ReceivedLog log,
    CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        var index = log.NextIndex();
        var receivedAt = DateTimeOffset.UtcNow;
        var request = context.Request;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var headers = ReadHeaders(request.Headers);
        var draft = new ReceivedRequest
        {
            Index = index,
            ReceivedAt = receivedAt,
            Method = request.Method,
            Path = request.Path.Value ?? "",
            Headers = headers,
            ContentType = request.ContentType,
            ContentEncoding = headers.GetValueOrDefault("Content-Encoding"),
        };

        byte[] body;
        bool tooLarge;
        try
        {
            (body, tooLarge) = await BodyReader.ReadAsync(request.Body, maxBodyBytes, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            log.Record(draft with { ClientAborted = !stopping.IsCancellationRequested });

            // Recorded as not answered, so it must not be: returning normally would let Kestrel send an empty 200,
            // and the client would count spans the receiver never stored as exported.
            context.Abort();
            return;
        }

        var evaluation = evaluator.Evaluate(draft.Method, draft.Path, headers, body, tooLarge);
        draft = draft with
        {
            Body = body,
            DecompressedBody = evaluation.DecompressedBody,
            StatusCode = evaluation.Response.StatusCode,
            DecodeError = evaluation.DecodeError,
            Spans = evaluation.Spans,
        };

        var response = evaluation.ReachedEndpoint ? Ask(draft, index) ?? evaluation.Response : evaluation.Response;
        await AnswerAsync(context, draft, response, cancel.Token).ConfigureAwait(false);
    }

    private ReceiverResponse? Ask(ReceivedRequest request, int index)
    {
        if (responder is null)
        {
            return null;
        }

        try
        {
            return responder(request, index);
        }
#pragma warning disable CA1031 // A faulty responder must show up in the test, not as a dropped connection.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new ReceiverResponse { StatusCode = 500, Body = ErrorBody.For(500, $"responder threw {e.GetType().Name}: {e.Message}") };
        }
    }

    private async Task AnswerAsync(HttpContext context, ReceivedRequest request, ReceiverResponse response, CancellationToken cancellationToken)
    {
        if (response.Delay != TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(response.Delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                log.Record(request with { StatusCode = 0, ClientAborted = context.RequestAborted.IsCancellationRequested });
                context.Abort();
                return;
            }
        }

        if (response.AbortConnection)
        {
            log.Record(request with { StatusCode = 0 });
            context.Abort();
            return;
        }

        // Recorded before the answer is written, so a client that has its response also finds the request.
        log.Record(request with { StatusCode = response.StatusCode, SpansStored = response.EffectiveStoreSpans });
        if (response.StallBody)
        {
            await StallAsync(context, response, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await WriteAsync(context.Response, response, RequestEvaluator.IsProtobuf(request.ContentType), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client left while the answer was being written; the request is already recorded.
        }
    }

    /// <summary>Writes <paramref name="response"/> (no delay, no abort): status, headers and body, a success encoded
    /// like the request.</summary>
    internal static async Task WriteAsync(HttpResponse http, ReceiverResponse response, bool protobuf, CancellationToken cancellationToken)
    {
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        // OTLP: a successful response is encoded like the request. A protobuf success is an (often empty)
        // ExportTraceServiceResponse; error bodies stay text.
        if (protobuf && response.StatusCode == 200 && response.ContentType is null
            && (response.Body is null || response.PartialSuccessRejectedSpans is not null))
        {
            var encoded = ProtobufResponseWriter.Write(response.PartialSuccessRejectedSpans, response.PartialSuccessErrorMessage);
            http.ContentType = RequestEvaluator.ProtobufMediaType;
            http.ContentLength = encoded.Length;
            await http.Body.WriteAsync(encoded, cancellationToken).ConfigureAwait(false);
            return;
        }

        var body = Encoding.UTF8.GetBytes(response.EffectiveBody);
        if (body.Length > 0)
        {
            http.ContentType = response.ContentType ?? "application/json";
            http.ContentLength = body.Length;
            await http.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the head and half the body, then waits for the client to give up (or the receiver to stop) and
    /// drops the connection: the rest never comes.</summary>
    private static async Task StallAsync(HttpContext context, ReceiverResponse response, CancellationToken cancellationToken)
    {
        var http = context.Response;
        var body = Encoding.UTF8.GetBytes(response.EffectiveBody);
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        try
        {
            if (body.Length > 0)
            {
                http.ContentType = response.ContentType ?? "application/json";
                http.ContentLength = body.Length;
                await http.Body.WriteAsync(body.AsMemory(0, body.Length / 2), cancellationToken).ConfigureAwait(false);
            }

            // Flushed, so the client has the status and headers and waits inside the body, not for the head.
            await http.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client gave up, or the receiver stops: the answer stays unfinished either way.
        }

        context.Abort();
    }

    private static Dictionary<string, string> ReadHeaders(IHeaderDictionary headers)
    {
        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            copy[name] = values.ToString();
        }

        return copy;
    }
}

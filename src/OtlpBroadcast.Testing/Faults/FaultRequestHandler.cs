using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace OtlpBroadcast.Testing;

/// <summary>Handles one request of an <see cref="OtlpFaultReceiver"/>: read, decode strictly, draw the fault, record,
/// then answer (or fail to) as the fault says.</summary>
internal sealed class FaultRequestHandler(
    OtlpFaultReceiverOptions options,
    RequestEvaluator evaluator,
    FaultLedger ledger,
    Func<FaultSequence> sequence)
{
    private static readonly byte[] CutJsonAnswer = Encoding.UTF8.GetBytes(
        "{\"partialSuccess\":{\"errorMessage\":\"" + new string('.', 200) + "\"}}");

    private static readonly byte[] CutProtobufAnswer = ProtobufResponseWriter.Write(0, new string('.', 200));

    public async Task HandleAsync(HttpContext context, CancellationToken stopping)
    {
        var index = ledger.NextIndex();
        var draft = new FaultRequest { Index = index, ReceivedAt = DateTimeOffset.UtcNow, ContentType = context.Request.ContentType };
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);

        byte[] body;
        bool tooLarge;
        try
        {
            (body, tooLarge) = await BodyReader.ReadAsync(context.Request.Body, options.MaxRequestBodyBytes, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            ledger.Record(draft with { Error = "the body was not read to its end: the client left or the receiver stopped" }, []);
            context.Abort();
            return;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name] = values.ToString();
        }

        var evaluation = evaluator.Evaluate(context.Request.Method, context.Request.Path.Value ?? "", headers, body, tooLarge);
        var spans = evaluation.Spans;
        var full = draft with { SpanCount = spans.Count, Body = body, DecompressedBody = evaluation.DecompressedBody, Spans = spans };
        var protobuf = RequestEvaluator.IsProtobuf(draft.ContentType);

        if (!evaluation.ReachedEndpoint || evaluation.Response.StatusCode != 200)
        {
            full = full with
            {
                StatusCode = evaluation.Response.StatusCode,
                AnswerDelivered = true,
                Error = evaluation.DecodeError ?? evaluation.Response.Body,
            };
            Record(full);
            await AnswerAsync(context, full, evaluation.Response, protobuf, cancel.Token).ConfigureAwait(false);
            return;
        }

        var fault = sequence().Choose(index);
        full = full with { Fault = fault };
        switch (fault)
        {
            case ReceiverFault.Accept:
                full = full with { StatusCode = 200, StoredSpans = spans.Count, AnswerDelivered = true };
                Record(full);
                await AnswerAsync(context, full, ReceiverResponse.Status(200), protobuf, cancel.Token).ConfigureAwait(false);
                break;

            case ReceiverFault.PartialSuccess:
                var rejected = sequence().Rejected(index, spans.Count);
                full = full with { StatusCode = 200, StoredSpans = spans.Count - rejected, RejectedSpans = rejected, AnswerDelivered = true };
                Record(full);
                await AnswerAsync(context, full, ReceiverResponse.PartialSuccess(rejected, $"the fault receiver rejected the last {rejected} of {spans.Count} spans"), protobuf, cancel.Token)
                    .ConfigureAwait(false);
                break;

            case ReceiverFault.TooManyRequests:
                await ErrorAsync(context, full, ReceiverResponse.RetryAfter(429, options.RetryAfter), protobuf, cancel.Token).ConfigureAwait(false);
                break;

            case ReceiverFault.InternalServerError:
                await ErrorAsync(context, full, Error(500, "the fault receiver failed"), protobuf, cancel.Token).ConfigureAwait(false);
                break;

            case ReceiverFault.ServiceUnavailable:
                await ErrorAsync(context, full, Error(503, "the fault receiver is unavailable"), protobuf, cancel.Token).ConfigureAwait(false);
                break;

            case ReceiverFault.PayloadTooLarge:
                await ErrorAsync(context, full, Error(413, "the fault receiver finds the batch too large"), protobuf, cancel.Token).ConfigureAwait(false);
                break;

            case ReceiverFault.Hang:
                Record(full with { StoredSpans = spans.Count });
                try
                {
                    await Task.Delay(options.MaxHang, cancel.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up, or the receiver stops: either way nobody gets an answer.
                }

                context.Abort();
                break;

            case ReceiverFault.Reset:
                Record(full);
                context.Abort();
                break;

            case ReceiverFault.ResetAfterStore:
                Record(full with { StoredSpans = spans.Count });
                context.Abort();
                break;

            case ReceiverFault.CloseMidBody:
                Record(full with { StatusCode = 200, StoredSpans = spans.Count });
                await CutAnswerAsync(context, protobuf, cancel.Token).ConfigureAwait(false);
                break;
        }
    }

    private static ReceiverResponse Error(int status, string message)
        => new() { StatusCode = status, Body = ErrorBody.For(status, message) };

    private Task ErrorAsync(HttpContext context, FaultRequest request, ReceiverResponse response, bool protobuf, CancellationToken cancellationToken)
    {
        request = request with { StatusCode = response.StatusCode, AnswerDelivered = true };
        Record(request);
        return AnswerAsync(context, request, response, protobuf, cancellationToken);
    }

    private async Task AnswerAsync(HttpContext context, FaultRequest request, ReceiverResponse response, bool protobuf, CancellationToken cancellationToken)
    {
        try
        {
            await TraceRequestHandler.WriteAsync(context.Response, response, protobuf, cancellationToken).ConfigureAwait(false);
            await context.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            ledger.AnswerFailed(request.Index, request.Spans);
            context.Abort();
        }
    }

    /// <summary>
    /// Promises a whole success body and sends half of it, then closes the connection. Written straight to the socket
    /// and followed by a FIN: Kestrel's abort could discard bytes it had not sent yet, and the client would see a reset
    /// instead of a cut body.
    /// </summary>
    private static async Task CutAnswerAsync(HttpContext context, bool protobuf, CancellationToken cancellationToken)
    {
        var answer = protobuf ? CutProtobufAnswer : CutJsonAnswer;
        var head = Encoding.ASCII.GetBytes(
            "HTTP/1.1 200 OK\r\n" +
            $"Content-Type: {(protobuf ? RequestEvaluator.ProtobufMediaType : "application/json")}\r\n" +
            $"Content-Length: {answer.Length}\r\n\r\n");
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket
            ?? throw new InvalidOperationException("The transport does not expose its socket; a cut answer needs it.");
        try
        {
            await socket.SendAsync(head, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(answer.AsMemory(0, answer.Length / 2), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client left first; the answer is lost either way.
        }

        context.Abort();
    }

    /// <summary>Records the request (keeping its bodies only if asked) and shows it to the observer.</summary>
    private void Record(FaultRequest request)
    {
        var kept = options.KeepBodies ? request : request with { Body = default, DecompressedBody = default, Spans = [] };
        ledger.Record(kept, request.Spans);
        if (options.OnRequest is { } observer)
        {
            try
            {
                observer(request);
            }
#pragma warning disable CA1031 // An observer's failure is reported in the summary, where the test looks.
            catch (Exception e)
#pragma warning restore CA1031
            {
                ledger.ObserverFailed(e);
            }
        }
    }
}

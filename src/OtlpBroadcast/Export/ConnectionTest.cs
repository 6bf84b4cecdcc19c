using System.Net;

namespace OtlpBroadcast.Export;

/// <summary>The result of a connection test or a test trace.</summary>
public sealed record ConnectionTestResult
{
    /// <summary>Whether the backend accepted the span(s).</summary>
    public required bool Success { get; init; }

    /// <summary>The HTTP status, when a response arrived.</summary>
    public HttpStatusCode? StatusCode { get; init; }

    /// <summary>How long the request took.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>What the backend said, or what went wrong; never contains a header value.</summary>
    public string? Message { get; init; }

    /// <summary>The trace that was sent, to look it up in the backend.</summary>
    public TraceId TraceId { get; init; }

    /// <summary>A readable one-line summary, e.g. <c>failed: HTTP 401 (Unauthorized): invalid API key (12 ms)</c>.</summary>
    public override string ToString()
    {
        string status = StatusCode is { } code ? $"HTTP {(int)code} ({code})" : "no response";
        string detail = string.IsNullOrEmpty(Message) ? status : $"{status}: {Message}";
        return $"{(Success ? "ok" : "failed")}: {detail} ({Latency.TotalMilliseconds:0} ms)";
    }
}

/// <summary>
/// Checks a destination the way users check it in a product's settings page: one real request, right now.
/// </summary>
public static class ConnectionTester
{
    /// <summary>The name of the span a connection test sends.</summary>
    public const string SpanName = "connection-test";

    /// <summary>
    /// Sends one span named <c>connection-test</c> (kind internal, status ok) and reports whether the backend took
    /// it. Only a 2xx without rejected spans passes. Never throws for network or HTTP failures.
    /// </summary>
    public static Task<ConnectionTestResult> TestAsync(OtlpDestination destination, ExporterServices? services = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        services ??= ExporterServices.Default;
        long now = UnixNanos.Now(services.TimeProvider);
        var span = new OtlpSpan(TraceId.CreateRandom(), SpanId.CreateRandom(), SpanName)
        {
            Kind = SpanKind.Internal,
            StartTimeUnixNano = now,
            EndTimeUnixNano = now,
            Status = SpanStatus.Ok,
        };
        span.With("otlpbroadcast.destination", destination.Name);
        return SendAsync(destination, [span], services, cancellationToken);
    }

    /// <summary>
    /// Sends a small, realistic LLM generation trace (see <see cref="TestTrace"/>) so the user can look for it in the
    /// backend. Content is left out for a privacy-mode destination.
    /// </summary>
    public static Task<ConnectionTestResult> SendTestTraceAsync(OtlpDestination destination, ExporterServices? services = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        services ??= ExporterServices.Default;
        IReadOnlyList<OtlpSpan> spans = TestTrace.Create(services.TimeProvider);
        return SendAsync(destination, spans, services, cancellationToken);
    }

    private static async Task<ConnectionTestResult> SendAsync(
        OtlpDestination destination, IReadOnlyList<OtlpSpan> spans, ExporterServices services, CancellationToken cancellationToken)
    {
        var fragments = new List<SpanFragment>(spans.Count);
        using var body = new PooledBufferWriter();
        try
        {
            foreach (OtlpSpan span in spans)
            {
                fragments.Add(SpanEnvelopes.Encode(destination.Encoding, span, includeContent: !destination.PrivacyMode));
            }

            SpanEnvelopes.Create(destination.Encoding, services.Resource).Write(body, fragments);
        }
        finally
        {
            foreach (SpanFragment fragment in fragments)
            {
                fragment.Release();
            }
        }

        var transport = new OtlpHttpTransport(destination, services);
        ExportResult result = await transport.SendAsync(body.WrittenMemory, destination.Timeout, cancellationToken).ConfigureAwait(false);
        bool success = result.Outcome == ExportOutcome.Success && result.RejectedSpans == 0;
        string? message = result.Message;
        if (result.Outcome == ExportOutcome.Success && result.RejectedSpans > 0)
        {
            message = $"the backend rejected {result.RejectedSpans} span(s): {result.Message}";
        }
        else if (result.StatusCode is HttpStatusCode.Unauthorized)
        {
            message = $"the backend refused the credentials; check the headers. {result.Message}".TrimEnd();
        }
        else if (result.StatusCode is HttpStatusCode.Forbidden)
        {
            // Some backends (the Aspire Dashboard) also answer 403 for a path that is not theirs.
            message = $"the backend refused the request; check the headers, and that the URL is the OTLP traces endpoint (usually ending in /v1/traces). {result.Message}".TrimEnd();
        }
        else if (result.StatusCode is { } redirect && (int)redirect is >= 300 and < 400)
        {
            // Redirects are never followed (the destination's headers must not go to another place), so a URL that
            // redirects (http to https, a path without /v1/traces) fails here and must be replaced by the final one.
            string target = result.RedirectTarget is { } where ? $" to {where}" : "";
            message = $"the backend redirects ({(int)redirect}){target}; redirects are not followed, so that the credentials go nowhere else: use the final URL as the endpoint. {result.Message}".TrimEnd();
        }
        else if (result.StatusCode is HttpStatusCode.NotFound)
        {
            message = $"nothing answers OTLP at this path (404); OTLP/HTTP endpoints usually end in /v1/traces. {result.Message}".TrimEnd();
        }

        return new ConnectionTestResult
        {
            Success = success,
            StatusCode = result.StatusCode,
            Latency = result.Latency,
            Message = message,
            TraceId = spans[0].TraceId,
        };
    }
}

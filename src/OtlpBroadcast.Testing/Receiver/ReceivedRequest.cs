using System.Text;

namespace OtlpBroadcast.Testing;

/// <summary>One request as the receiver saw it, and how it was answered.</summary>
public sealed record ReceivedRequest
{
    /// <summary>0-based position among all requests since the receiver started (not reset by <c>Clear</c>).</summary>
    public required int Index { get; init; }

    /// <summary>When the request arrived.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The HTTP method.</summary>
    public required string Method { get; init; }

    /// <summary>The path, without query string.</summary>
    public required string Path { get; init; }

    /// <summary>The request headers (names case-insensitive; repeated headers joined with commas).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The Content-Type header as sent.</summary>
    public string? ContentType { get; init; }

    /// <summary>The Content-Encoding header as sent.</summary>
    public string? ContentEncoding { get; init; }

    /// <summary>The body as received (at most <see cref="OtlpTestReceiverOptions.MaxRequestBodyBytes"/>).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>
    /// The body after content decoding (the same bytes as <see cref="Body"/> without Content-Encoding);
    /// empty when the request was refused before its content was decoded (404, 405, 401, 413, 415).
    /// </summary>
    public ReadOnlyMemory<byte> DecompressedBody { get; init; }

    /// <summary>The status answered; 0 when no response was sent (connection reset, or the client gave up).</summary>
    public int StatusCode { get; init; }

    /// <summary>Why the body could not be decoded (gzip or OTLP JSON), naming the JSON path; null otherwise.</summary>
    public string? DecodeError { get; init; }

    /// <summary>The spans decoded from the body, whether or not they were accepted.</summary>
    public IReadOnlyList<ReceivedSpan> Spans { get; init; } = [];

    /// <summary>Whether <see cref="Spans"/> count as accepted (appear in <see cref="OtlpTestReceiver.Spans"/>).</summary>
    public bool SpansStored { get; init; }

    /// <summary>Whether the client went away before it was answered.</summary>
    public bool ClientAborted { get; init; }

    /// <summary>The decompressed body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(DecompressedBody.Span);

    /// <summary>A one-line summary, as used in timeout messages.</summary>
    public override string ToString()
    {
        var answer = StatusCode == 0 ? (ClientAborted ? "client gave up" : "no response") : StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var spans = Spans.Count == 1 ? "1 span" : $"{Spans.Count} spans";
        var detail = DecodeError ?? (SpansStored || Spans.Count == 0 ? spans : spans + " not stored");
        return $"#{Index} {Method} {Path} -> {answer}, {detail}";
    }
}

using System.Globalization;

namespace OtlpBroadcast.Testing;

/// <summary>One request as an <see cref="OtlpFaultReceiver"/> saw it: the fault it met and what became of its spans.</summary>
public sealed record FaultRequest
{
    /// <summary>0-based position among the requests since start (or the last <see cref="OtlpFaultReceiver.Reset"/>);
    /// the fault sequence is indexed by it.</summary>
    public required int Index { get; init; }

    /// <summary>When the request arrived.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The fault it met; <see langword="null"/> when it was refused before one was drawn (the body did not
    /// decode, was too large, or went to another path or media type; <see cref="StatusCode"/> says the answer) or its
    /// body was not read to its end (the client left, or the receiver stopped; no answer, status 0).</summary>
    public ReceiverFault? Fault { get; init; }

    /// <summary>The status sent (also for <see cref="ReceiverFault.CloseMidBody"/>, whose answer is cut); 0 when none.</summary>
    public int StatusCode { get; init; }

    /// <summary>The Content-Type header as sent.</summary>
    public string? ContentType { get; init; }

    /// <summary>The spans the body held.</summary>
    public int SpanCount { get; init; }

    /// <summary>The spans stored (all of them, none, or those not rejected by a partial success).</summary>
    public int StoredSpans { get; init; }

    /// <summary>The spans rejected by a partial success.</summary>
    public int RejectedSpans { get; init; }

    /// <summary>Whether a complete answer was written: false for the faults that lose it, and when writing failed.</summary>
    public bool AnswerDelivered { get; init; }

    /// <summary>Why the request was refused or not read before a fault was drawn (a decode error names the JSON path).</summary>
    public string? Error { get; init; }

    /// <summary>The body as received; empty unless <see cref="OtlpFaultReceiverOptions.KeepBodies"/> (or in
    /// <see cref="OtlpFaultReceiverOptions.OnRequest"/>).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body after content decoding; empty like <see cref="Body"/>, and when not decoded.</summary>
    public ReadOnlyMemory<byte> DecompressedBody { get; init; }

    /// <summary>The decoded spans; empty like <see cref="Body"/>.</summary>
    public IReadOnlyList<ReceivedSpan> Spans { get; init; } = [];

    /// <summary>A one-line summary.</summary>
    public override string ToString()
    {
        string answer = StatusCode == 0 ? "no answer" : StatusCode.ToString(CultureInfo.InvariantCulture) + (AnswerDelivered ? "" : " (cut)");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"#{Index} at {ReceivedAt:HH:mm:ss.fff} {Fault?.ToString() ?? "refused"} -> {answer}, {SpanCount} spans, {StoredSpans} stored, {RejectedSpans} rejected{(Error is null ? "" : ": " + Error)}");
    }
}

namespace OtlpBroadcast.Testing;

/// <summary>
/// What an <see cref="OtlpFaultReceiver"/> received and stored, counted so that a test can hold an exporter's
/// statistics against it. A span is identified by its span id. "Delivered" means the receiver wrote its whole answer;
/// "lost" means it stored the spans but the client never got the answer (hang, reset after storing, body cut).
/// For an exporter that loses nothing unaccounted, after it has settled everything:
/// <list type="bullet">
/// <item><c>Exported = <see cref="StoredOnDeliveredAnswers"/></c> and <c><see cref="ResentAfterConfirmation"/> = 0</c>;</item>
/// <item><c>Rejected = <see cref="RejectedSpans"/></c>;</item>
/// <item>dropped as a final HTTP error = <see cref="FinalErrorSpans"/>; as too large = <see cref="TooLargeSingleSpans"/>
/// (when no span is larger than its batch limit);</item>
/// <item><c>StoredUnique = Exported + <see cref="StoredOnLostAnswersOnly"/></c>: spans the exporter had to count as
/// dropped or rejected although the receiver kept them.</item>
/// </list>
/// </summary>
public sealed record FaultReceiverSummary
{
    /// <summary>Requests received.</summary>
    public int Requests { get; init; }

    /// <summary>Requests per fault met (refused requests are not in it).</summary>
    public required IReadOnlyDictionary<ReceiverFault, int> RequestsByFault { get; init; }

    /// <summary>Requests read but refused before a fault was drawn: the body did not decode, was too large, or went to
    /// another path or media type (see <see cref="FaultRequest.Error"/>). An exporter under test should cause none.</summary>
    public int RefusedRequests { get; init; }

    /// <summary>Requests whose body was not read to its end, because the client gave up while sending it or the
    /// receiver stopped listening meanwhile; they are not answered.</summary>
    public int UnreadRequests { get; init; }

    /// <summary>Spans in all decoded bodies, every copy counted.</summary>
    public long SpansReceived { get; init; }

    /// <summary>Distinct span ids in all decoded bodies.</summary>
    public long DistinctSpansReceived { get; init; }

    /// <summary>Distinct span ids stored at least once.</summary>
    public long StoredUnique { get; init; }

    /// <summary>Spans stored, every copy counted.</summary>
    public long StoredTotal { get; init; }

    /// <summary>Spans stored on requests whose answer was delivered, every copy counted.</summary>
    public long StoredOnDeliveredAnswers { get; init; }

    /// <summary>Distinct span ids stored only on requests whose answer was lost.</summary>
    public long StoredOnLostAnswersOnly { get; init; }

    /// <summary><see cref="StoredTotal"/> − <see cref="StoredUnique"/>: extra copies stored.</summary>
    public long DuplicateStores => StoredTotal - StoredUnique;

    /// <summary>Distinct span ids that arrived again after the receiver had stored them and told the client so: a
    /// duplicate no lost answer explains (every other copy in <see cref="DuplicateStores"/> follows a lost answer).</summary>
    public long ResentAfterConfirmation { get; init; }

    /// <summary>Up to five of the <see cref="ResentAfterConfirmation"/> spans, each with the request that confirmed it
    /// and the one that carried it again, for a failure message.</summary>
    public IReadOnlyList<ResentSpan> ResentExamples { get; init; } = [];

    /// <summary>Spans rejected by delivered partial successes.</summary>
    public long RejectedSpans { get; init; }

    /// <summary>Spans of requests answered with a delivered 500 (not retryable).</summary>
    public long FinalErrorSpans { get; init; }

    /// <summary>Requests of a single span answered with a delivered 413 (the exporter cannot split them further).</summary>
    public long TooLargeSingleSpans { get; init; }

    /// <summary>Times <see cref="OtlpFaultReceiverOptions.OnRequest"/> threw.</summary>
    public int ObserverFailures { get; init; }

    /// <summary>The last exception <see cref="OtlpFaultReceiverOptions.OnRequest"/> threw, as type and message.</summary>
    public string? LastObserverFailure { get; init; }
}

/// <summary>A span that arrived again after the receiver had confirmed storing it.</summary>
/// <param name="SpanId">The span id, 16 hex characters.</param>
/// <param name="ConfirmedBy">The first request that stored it and told the client.</param>
/// <param name="ReceivedAgainIn">The last request that carried it.</param>
public sealed record ResentSpan(string SpanId, FaultRequest ConfirmedBy, FaultRequest ReceivedAgainIn)
{
    /// <summary>One line naming both requests.</summary>
    public override string ToString() => $"span {SpanId}: confirmed by {ConfirmedBy}, received again in {ReceivedAgainIn}";
}

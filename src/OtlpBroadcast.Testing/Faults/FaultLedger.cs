using System.Globalization;

namespace OtlpBroadcast.Testing;

/// <summary>
/// The thread-safe record of an <see cref="OtlpFaultReceiver"/>: every request, and per span id how often it arrived
/// and was stored on delivered and on lost answers. A few bytes per span, so long soaks fit in memory.
/// </summary>
internal sealed class FaultLedger
{
    private const int MaxExamples = 5;

    private readonly Lock _gate = new();
    private readonly List<FaultRequest> _requests = [];
    private readonly Dictionary<ulong, SpanRecord> _spans = [];
    private int _lastIndex = -1;
    private int _observerFailures;
    private string? _lastObserverFailure;

    public int NextIndex() => Interlocked.Increment(ref _lastIndex);

    public IReadOnlyList<FaultRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToArray();
            }
        }
    }

    /// <summary>Forgets everything; request indexes start again at 0.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
            _spans.Clear();
            _lastIndex = -1;
            _observerFailures = 0;
            _lastObserverFailure = null;
        }
    }

    /// <summary>
    /// Records a request, before its answer is written (so a client that has the answer also finds the request):
    /// every span as received, and the first <see cref="FaultRequest.StoredSpans"/> of them as stored on a delivered
    /// or lost answer as <see cref="FaultRequest.AnswerDelivered"/> says.
    /// </summary>
    public void Record(FaultRequest request, IReadOnlyList<ReceivedSpan> spans)
    {
        lock (_gate)
        {
            _requests.Add(request);
            for (var i = 0; i < spans.Count; i++)
            {
                var key = Key(spans[i]);
                _spans.TryGetValue(key, out var record);
                record.Received++;
                record.LastReceivedAt = request.Index;
                if (i < request.StoredSpans)
                {
                    if (request.AnswerDelivered)
                    {
                        record.Delivered++;
                        record.ConfirmedAtPlusOne = record.ConfirmedAtPlusOne == 0 ? request.Index + 1 : Math.Min(record.ConfirmedAtPlusOne, request.Index + 1);
                    }
                    else
                    {
                        record.Lost++;
                    }
                }

                _spans[key] = record;
            }
        }
    }

    /// <summary>Writing the answer of a recorded request failed: its stored spans count as stored on a lost answer.</summary>
    public void AnswerFailed(int index, IReadOnlyList<ReceivedSpan> spans)
    {
        lock (_gate)
        {
            var position = _requests.FindLastIndex(r => r.Index == index);
            if (position < 0 || !_requests[position].AnswerDelivered)
            {
                return;
            }

            var request = _requests[position];
            _requests[position] = request with { AnswerDelivered = false };
            for (var i = 0; i < request.StoredSpans; i++)
            {
                var key = Key(spans[i]);
                var record = _spans[key];
                record.Delivered--;
                record.Lost++;
                if (record.ConfirmedAtPlusOne == index + 1)
                {
                    // The client was not told after all. (Were it confirmed again later, that later confirmation is
                    // forgotten too: this only weakens the resend check, never fails it wrongly.)
                    record.ConfirmedAtPlusOne = 0;
                }

                _spans[key] = record;
            }
        }
    }

    public void ObserverFailed(Exception exception)
    {
        lock (_gate)
        {
            _observerFailures++;
            _lastObserverFailure = exception.GetType().Name + ": " + exception.Message;
        }
    }

    public FaultReceiverSummary Summarize()
    {
        lock (_gate)
        {
            var byFault = Enum.GetValues<ReceiverFault>().ToDictionary(f => f, _ => 0);
            long spansReceived = 0, rejected = 0, finalErrors = 0, tooLargeSingles = 0;
            int refused = 0, unread = 0;
            foreach (var request in _requests)
            {
                spansReceived += request.SpanCount;
                if (request.Fault is not { } fault)
                {
                    // Refused requests were answered; unread ones were not (no status).
                    refused += request.StatusCode != 0 ? 1 : 0;
                    unread += request.StatusCode == 0 ? 1 : 0;
                    continue;
                }

                byFault[fault]++;
                if (!request.AnswerDelivered)
                {
                    continue;
                }

                rejected += request.RejectedSpans;
                finalErrors += fault == ReceiverFault.InternalServerError ? request.SpanCount : 0;
                tooLargeSingles += fault == ReceiverFault.PayloadTooLarge && request.SpanCount == 1 ? 1 : 0;
            }

            long storedUnique = 0, storedTotal = 0, delivered = 0, lostOnly = 0, resent = 0;
            var resentExamples = new List<ResentSpan>();
            foreach (var (key, record) in _spans)
            {
                var stores = record.Delivered + record.Lost;
                storedUnique += stores > 0 ? 1 : 0;
                storedTotal += stores;
                delivered += record.Delivered;
                lostOnly += record.Delivered == 0 && record.Lost > 0 ? 1 : 0;
                if (record.ConfirmedAtPlusOne != 0 && record.LastReceivedAt >= record.ConfirmedAtPlusOne)
                {
                    resent++;
                    if (resentExamples.Count < MaxExamples)
                    {
                        resentExamples.Add(new ResentSpan(key.ToString("x16", CultureInfo.InvariantCulture), Find(record.ConfirmedAtPlusOne - 1), Find(record.LastReceivedAt)));
                    }
                }
            }

            return new FaultReceiverSummary
            {
                Requests = _requests.Count,
                RequestsByFault = byFault,
                RefusedRequests = refused,
                UnreadRequests = unread,
                SpansReceived = spansReceived,
                DistinctSpansReceived = _spans.Count,
                StoredUnique = storedUnique,
                StoredTotal = storedTotal,
                StoredOnDeliveredAnswers = delivered,
                StoredOnLostAnswersOnly = lostOnly,
                ResentAfterConfirmation = resent,
                ResentExamples = resentExamples,
                RejectedSpans = rejected,
                FinalErrorSpans = finalErrors,
                TooLargeSingleSpans = tooLargeSingles,
                ObserverFailures = _observerFailures,
                LastObserverFailure = _lastObserverFailure,
            };
        }
    }

    private FaultRequest Find(int index) => _requests.FindLast(r => r.Index == index)!;

    private static ulong Key(ReceivedSpan span) => ulong.Parse(span.SpanId, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private struct SpanRecord
    {
        public int Received;
        public int Delivered;
        public int Lost;

        /// <summary>1 + the index of the first request that stored the span and told the client; 0: none yet.</summary>
        public int ConfirmedAtPlusOne;

        /// <summary>The index of the last request that carried the span.</summary>
        public int LastReceivedAt;
    }
}

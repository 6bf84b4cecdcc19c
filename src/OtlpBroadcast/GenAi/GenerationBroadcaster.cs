using System.Diagnostics;
using OtlpBroadcast.Export;

namespace OtlpBroadcast;

/// <summary>
/// Turns each LLM call into a span tree and broadcasts it to every destination of a <see cref="DestinationRegistry"/>,
/// with each destination's privacy mode, content format, sampling and filters. Recording never throws into the caller
/// and never waits on the network: spans are encoded when the call completes and queued per destination.
/// </summary>
public sealed class GenerationBroadcaster
{
    private long _generations;
    private long _internalErrors;
    private long _truncated;
    private long _metadataCut;
    private string? _lastInternalError;

    /// <summary>Broadcasts to the destinations of <paramref name="destinations"/>.</summary>
    public GenerationBroadcaster(DestinationRegistry destinations, TimeProvider? timeProvider = null)
    {
        Destinations = destinations ?? throw new ArgumentNullException(nameof(destinations));
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The name of the <see cref="ActivitySource"/> the broadcaster reports spans to when
    /// <see cref="EmitActivities"/> is on.</summary>
    public const string ActivitySourceName = "OtlpBroadcast";

    internal static readonly ActivitySource Source = new(ActivitySourceName, SdkInfo.Version);

    /// <summary>
    /// Also report each generation's spans as <see cref="Activity"/> objects of the source
    /// <see cref="ActivitySourceName"/>, so in-process <see cref="ActivityListener"/>s (an OpenTelemetry SDK, a
    /// test) see them. Off by default: a host that already exports its activities would otherwise send them twice.
    /// The activities carry the same trace id, names, kinds, times, parents' ids, status and attributes (never
    /// content); their own span ids are new, since <see cref="Activity"/> chooses them.
    /// </summary>
    public bool EmitActivities { get; set; }

    /// <summary>
    /// When a generation goes both to destinations with content and to destinations in privacy mode (same wire
    /// encoding, content format and length limit), make the privacy-mode generation span from the span with content
    /// by leaving out the sections that generated writers mark around every <see cref="OtlpSensitiveAttribute"/>
    /// member, instead of encoding the span a second time. On by default. It applies only when the request and
    /// response types are sealed (or structs) and their whole writer is generated code that marks its content
    /// (<see cref="OtlpContentSectionsAttribute"/>, which the generator leaves off a type that hands the sink to
    /// another type's writer), and only to a span whose content sections are all at the top of its attributes and that
    /// left no attribute out; every other span is encoded without content. Turn it off to have content never encoded
    /// for a privacy-mode destination at all, at the cost of one more encoding per generation with privacy mixed.
    /// </summary>
    public bool DeriveSpansWithoutContent { get; set; } = true;

    /// <summary>Where generations go.</summary>
    public DestinationRegistry Destinations { get; }

    /// <summary>The clock of every timestamp.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// Starts recording one LLM call. <paramref name="request"/> is read when the call completes (that is when the
    /// spans are encoded) and not held after that.
    /// </summary>
    /// <remarks>The context's values are copied: changing <paramref name="context"/> afterwards does not change the
    /// recording.</remarks>
    public GenerationRecording<TRequest> Start<TRequest>(TRequest request, GenerationContext? context = null)
        where TRequest : IOtlpAttributes
        => Start(request, context is null ? RecordingContext.Default : RecordingContext.From(context));

    internal GenerationRecording<TRequest> Start<TRequest>(TRequest request, in RecordingContext context)
        where TRequest : IOtlpAttributes
        => RecordingState<TRequest>.Start(this, request, in context, Activity.Current);

    /// <summary>Counters of the broadcaster itself.</summary>
    public BroadcasterStatistics GetStatistics() => new()
    {
        Generations = Volatile.Read(ref _generations),
        InternalErrors = Volatile.Read(ref _internalErrors),
        TruncatedValues = Volatile.Read(ref _truncated),
        MetadataEntriesCut = Volatile.Read(ref _metadataCut),
        LastInternalError = Volatile.Read(ref _lastInternalError),
    };

    internal void Counted(int truncated, int metadataCut, int withheldSpansDerived)
    {
        Interlocked.Increment(ref _generations);
        Interlocked.Add(ref _truncated, truncated);
        Interlocked.Add(ref _metadataCut, metadataCut);
        if (withheldSpansDerived > 0)
        {
            Interlocked.Add(ref _withheldSpansDerived, withheldSpansDerived);
        }
    }

    /// <summary>Generation spans without content made from the span with content rather than encoded again (for
    /// tests and benchmarks).</summary>
    internal long WithheldSpansDerived => Volatile.Read(ref _withheldSpansDerived);

    private long _withheldSpansDerived;

    internal void InternalError(Exception exception)
    {
        Interlocked.Increment(ref _internalErrors);

        // The type and message of our own failure; user data does not go into exception messages we raise.
        Volatile.Write(ref _lastInternalError, exception.GetType().Name + ": " + exception.Message);
    }
}

/// <summary>Counters of a <see cref="GenerationBroadcaster"/>.</summary>
public sealed record BroadcasterStatistics
{
    /// <summary>Generations completed (successfully or with an error) and encoded.</summary>
    public long Generations { get; init; }

    /// <summary>Failures inside the SDK that were swallowed to protect the caller.</summary>
    public long InternalErrors { get; init; }

    /// <summary>Attribute values cut to a destination's length limit.</summary>
    public long TruncatedValues { get; init; }

    /// <summary><c>trace.metadata.*</c> entries left out by the limits.</summary>
    public long MetadataEntriesCut { get; init; }

    /// <summary>The last internal failure, if any.</summary>
    public string? LastInternalError { get; init; }
}

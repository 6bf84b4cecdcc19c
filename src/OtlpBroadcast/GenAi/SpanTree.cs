using System.Diagnostics;
using OtlpBroadcast.Export;

namespace OtlpBroadcast;

/// <summary>
/// The spans of one request, built at completion and encoded once per variant that some destination needs (wire
/// encoding, privacy, content format, length limit):
/// <code>
/// top span (trace_name)                    kind server, parent: parent_span_id / ambient Activity / none
/// └─ intermediate span (span_name)          kind internal, only when span_name is given
///    └─ generation (generation_name)        kind client, gen_ai.* attributes, content
///       └─ attempt (one per provider try)   kind client
/// </code>
/// Every span id is new and random, so requests sharing a trace id never share a span id. A value on the stack: what
/// it needs beyond the recording's own fields lives in the recording's <see cref="BroadcastScratch"/>.
/// </summary>
internal readonly struct SpanTree<TRequest, TResponse>
    where TRequest : IOtlpAttributes
    where TResponse : IOtlpAttributes
{
    private readonly TraceIdentity _identity;
    private readonly RecordingContext _context;
    private readonly TRequest _request;
    private readonly TResponse? _response;
    private readonly DateTimeOffset _start;
    private readonly DateTimeOffset _end;
    private readonly List<ProviderAttempt> _attempts;
    private readonly string? _errorMessage;
    private readonly BroadcastScratch _scratch;
    private readonly SpanId _rootId;
    private readonly SpanId _intermediateId;
    private readonly SpanId _generationId;

    /// <summary>A tree with new span ids; <paramref name="scratch"/>'s <see cref="BroadcastScratch.Facts"/> must be
    /// filled.</summary>
    public SpanTree(
        TraceIdentity identity,
        in RecordingContext context,
        TRequest request,
        TResponse? response,
        DateTimeOffset start,
        DateTimeOffset end,
        List<ProviderAttempt> attempts,
        string? errorMessage,
        BroadcastScratch scratch)
    {
        _identity = identity;
        _context = context;
        _request = request;
        _response = response;
        _start = start;
        _end = end;
        _attempts = attempts;
        _errorMessage = errorMessage;
        _scratch = scratch;
        _rootId = SpanId.CreateRandom();
        _intermediateId = string.IsNullOrEmpty(context.Trace?.SpanName) ? default : SpanId.CreateRandom();
        _generationId = SpanId.CreateRandom();
    }

    private GenerationFacts Facts => _scratch.Facts;

    public void Broadcast(GenerationBroadcaster broadcaster)
    {
        var filter = new GenerationFilterContext(_context.Model, Facts.Provider, _context.ApiKeyName, _context.User);
        RequestIdentity identityAttributes = _scratch.Identity;
        identityAttributes.User = _context.User;
        identityAttributes.SessionId = _context.SessionId;
        identityAttributes.RawTraceId = _identity.RawTraceId;
        identityAttributes.TraceName = _context.Trace?.TraceName;
        identityAttributes.Metadata = _context.Trace?.Metadata;

        try
        {
            // Indexed: enumerating the registry's list through its interface would allocate an enumerator.
            IReadOnlyList<DestinationExporter> exporters = broadcaster.Destinations.Exporters;
            for (int e = 0; e < exporters.Count; e++)
            {
                DestinationExporter exporter = exporters[e];
                OtlpDestination destination = exporter.Destination;
                if (!destination.Enabled || !destination.Broadcast.Accepts(_identity.TraceId, filter))
                {
                    continue;
                }

                var key = new VariantKey(destination.Encoding, !destination.PrivacyMode, destination.Broadcast.ContentFormat, destination.Broadcast.MaxContentLength);
                int variant = _scratch.FindVariant(key);
                if (variant < 0)
                {
                    variant = _scratch.AddVariant(key);
                    Encode(variant);
                }

                foreach (SpanFragment fragment in _scratch.FragmentsOf(variant))
                {
                    exporter.TryEnqueue(fragment);
                }
            }
        }
        finally
        {
            // The recording's own references: each queue that took a fragment holds its own.
            int truncated = _scratch.ReleaseFragments();
            broadcaster.Counted(truncated, identityAttributes.MetadataCut);
        }

        if (broadcaster.EmitActivities && GenerationBroadcaster.Source.HasListeners())
        {
            ReportActivities(identityAttributes);
        }
    }

    /// <summary>The same tree as <see cref="Activity"/> objects, without content, for in-process listeners.</summary>
    private void ReportActivities(RequestIdentity identityAttributes)
    {
        GenerationFacts facts = Facts;
        bool failed = facts.ErrorType is not null;
        Span<byte> bytes = stackalloc byte[TraceId.ByteLength];
        _identity.TraceId.CopyTo(bytes);
        ActivityTraceId traceId = ActivityTraceId.CreateFromBytes(bytes);
        ActivitySpanId parentSpan = default;
        if (_identity.ParentSpanId.IsValid)
        {
            _identity.ParentSpanId.CopyTo(bytes[..SpanId.ByteLength]);
            parentSpan = ActivitySpanId.CreateFromBytes(bytes[..SpanId.ByteLength]);
        }

        var parent = new ActivityContext(traceId, parentSpan, ActivityTraceFlags.Recorded, isRemote: _identity.ParentSpanId.IsValid);
        Activity? root = Report(RootName(), ActivityKind.Server, parent, _start, _end, new TraceSpanAttributes(identityAttributes, failed, intermediate: false), facts.ErrorType);
        if (root is null)
        {
            return;
        }

        ActivityContext generationParent = root.Context;
        if (_intermediateId.IsValid)
        {
            generationParent = Report(_context.Trace!.SpanName!, ActivityKind.Internal, root.Context, _start, _end,
                new TraceSpanAttributes(identityAttributes, failed, intermediate: true), facts.ErrorType)?.Context ?? root.Context;
        }

        Activity? generation = Report(GenerationName(), ActivityKind.Client, generationParent, _start, _end,
            new GenerationSpanAttributes<OtlpAttributesSource<TRequest>, OtlpAttributesSource<TResponse>>(
                identityAttributes, facts, new(_request, includeContent: false), new(_response, includeContent: false)), facts.ErrorType);
        for (int i = 0; generation is not null && i < _attempts.Count; i++)
        {
            ProviderAttempt attempt = _attempts[i];
            Report(SpanNames.Attempt(attempt.Provider), ActivityKind.Client, generation.Context, attempt.Start, attempt.End,
                new AttemptSpanAttributes(attempt, i + 1), attempt.ErrorType);
        }
    }

    private static Activity? Report<TSource>(string name, ActivityKind kind, ActivityContext parent, DateTimeOffset from, DateTimeOffset to, TSource attributes, string? error)
        where TSource : struct, IAttributeSource
    {
        Activity? activity = GenerationBroadcaster.Source.StartActivity(name, kind, parent, tags: null, links: null, startTime: from);
        if (activity is null)
        {
            return null;
        }

        ActivityTags.Write(activity, attributes);
        activity.SetStatus(error is null ? ActivityStatusCode.Ok : ActivityStatusCode.Error, error);
        activity.SetEndTime(to.UtcDateTime);
        activity.Stop();
        return activity;
    }

    /// <summary>Encodes every span of the tree for <paramref name="variant"/>, adding the fragments to the scratch
    /// as they are made (so that a failure half-way releases what was made).</summary>
    private void Encode(int variant)
    {
        VariantKey key = _scratch.KeyOf(variant);
        ContentPolicy policy = _scratch.PolicyOf(variant);
        SpanEncoding encoding = key.Encoding;
        bool includeContent = key.IncludeContent;
        GenerationFacts facts = Facts;
        RequestIdentity identityAttributes = _scratch.Identity;
        bool failed = facts.ErrorType is not null;

        // An error message may quote the prompt: privacy-mode destinations get the error type only.
        SpanStatus status = failed ? SpanStatus.Error(includeContent ? _errorMessage ?? facts.ErrorType : facts.ErrorType) : SpanStatus.Ok;
        long startNanos = UnixNanos.From(_start);
        long endNanos = UnixNanos.From(_end);
        uint flags = _identity.ParentSpanId.IsValid ? SpanFlags.ContextHasIsRemote | SpanFlags.ContextIsRemote : SpanFlags.ContextHasIsRemote;

        var root = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identityAttributes, failed, intermediate: false), policy);
        _scratch.AddFragment(SpanEnvelopes.Encode(
            encoding,
            Header(_rootId, _identity.ParentSpanId, RootName(), SpanKind.Server, startNanos, endNanos, status, flags),
            ref root,
            !includeContent));

        SpanId generationParent = _rootId;
        if (_intermediateId.IsValid)
        {
            var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identityAttributes, failed, intermediate: true), policy);
            _scratch.AddFragment(SpanEnvelopes.Encode(
                encoding,
                Header(_intermediateId, _rootId, _context.Trace!.SpanName!, SpanKind.Internal, startNanos, endNanos, status, SpanFlags.ContextHasIsRemote),
                ref intermediate,
                !includeContent));
            generationParent = _intermediateId;
        }

        var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<TRequest>, OtlpAttributesSource<TResponse>>>(
            new(identityAttributes, facts, new(_request, includeContent), new(_response, includeContent)), policy);
        _scratch.AddFragment(SpanEnvelopes.Encode(
            encoding,
            Header(_generationId, generationParent, GenerationName(), SpanKind.Client, startNanos, endNanos, status, SpanFlags.ContextHasIsRemote),
            ref generation,
            !includeContent));

        for (int i = 0; i < _attempts.Count; i++)
        {
            ProviderAttempt attempt = _attempts[i];
            var attributes = new PolicyAttributeSource<AttemptSpanAttributes>(new AttemptSpanAttributes(attempt, i + 1), policy);
            SpanStatus attemptStatus = attempt.ErrorType is null ? SpanStatus.Ok : SpanStatus.Error(attempt.ErrorType);
            _scratch.AddFragment(SpanEnvelopes.Encode(
                encoding,
                Header(SpanId.CreateRandom(), _generationId, SpanNames.Attempt(attempt.Provider), SpanKind.Client,
                    UnixNanos.From(attempt.Start), UnixNanos.From(attempt.End), attemptStatus, SpanFlags.ContextHasIsRemote),
                ref attributes,
                !includeContent));
        }

        _scratch.EndVariant(variant);
    }

    private SpanHeader Header(SpanId id, SpanId parent, string name, SpanKind kind, long startNanos, long endNanos, SpanStatus status, uint flags) => new()
    {
        TraceId = _identity.TraceId,
        SpanId = id,
        ParentSpanId = parent,
        Name = name,
        Kind = kind,
        StartTimeUnixNano = startNanos,
        EndTimeUnixNano = endNanos,
        Status = status,
        Flags = flags,
    };

    private string RootName()
        => string.IsNullOrEmpty(_context.Trace?.TraceName) ? SpanNames.Request(_context.Operation) : _context.Trace.TraceName;

    private string GenerationName()
        => string.IsNullOrEmpty(_context.Trace?.GenerationName)
            ? string.IsNullOrEmpty(_context.Model) ? _context.Operation : SpanNames.Generation(_context.Operation, _context.Model)
            : _context.Trace.GenerationName;
}

/// <summary>Which encoding of a span tree a destination takes.</summary>
internal readonly record struct VariantKey(SpanEncoding Encoding, bool IncludeContent, ContentFormat Format, int MaxLength);

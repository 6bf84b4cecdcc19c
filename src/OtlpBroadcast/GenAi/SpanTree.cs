using System.Diagnostics;
using OtlpBroadcast.Export;

namespace OtlpBroadcast;

/// <summary>
/// The spans of one request, built at completion and encoded once per variant that some destination needs (wire
/// encoding, privacy, content format, length limit):
/// <code>
/// top span (trace_name)                    kind server (internal under the ambient Activity), parent:
///                                           parent_span_id / ambient Activity / none
/// └─ intermediate span (span_name)          kind internal, only when span_name is given
///    └─ generation (generation_name)        kind client, gen_ai.* attributes, content
///       └─ attempt (one per provider try)   kind client
/// </code>
/// Every span id is new and random, so requests sharing a trace id never share a span id. Names longer than a
/// destination's length limit are cut for it like string values, and so are status messages
/// (<see cref="ContentPolicy.LimitText"/>). A value on the stack: what it needs beyond the recording's own fields lives
/// in the recording's <see cref="BroadcastScratch"/>.
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
    private readonly GenerationFacts _facts;
    private readonly string? _errorMessage;
    private readonly BroadcastScratch _scratch;
    private readonly SpanId _rootId;
    private readonly SpanId _intermediateId;
    private readonly SpanId _generationId;

    /// <summary>A tree with new span ids.</summary>
    public SpanTree(
        TraceIdentity identity,
        in RecordingContext context,
        TRequest request,
        TResponse? response,
        DateTimeOffset start,
        DateTimeOffset end,
        List<ProviderAttempt> attempts,
        GenerationFacts facts,
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
        _facts = facts;
        _errorMessage = errorMessage;
        _scratch = scratch;
        _rootId = SpanId.CreateRandom();
        _intermediateId = string.IsNullOrEmpty(context.Trace?.SpanName) ? default : SpanId.CreateRandom();
        _generationId = SpanId.CreateRandom();
    }

    public void Broadcast(GenerationBroadcaster broadcaster)
    {
        var filter = new GenerationFilterContext(_context.Model, _facts.Provider, _context.ApiKeyName, _context.User);
        var identityAttributes = new RequestIdentity
        {
            User = _context.User,
            SessionId = _context.SessionId,
            RawTraceId = _identity.RawTraceId,
            TraceName = _context.Trace?.TraceName,
            Metadata = _context.Trace?.Metadata,
            MetadataLeftOut = _context.Trace?.KeysLeftOut ?? 0,
            BlockId = RequestIdentity.NewBlockId(),
        };

        // The span without content may be made from the span with content only when both writers mark all content.
        bool derive = broadcaster.DeriveSpansWithoutContent && ContentSectionsTrust<TRequest>.Trusted && ContentSectionsTrust<TResponse>.Trusted;
        _scratch.NewAttemptIds(_attempts.Count);
        try
        {
            // Indexed: enumerating the registry's list through its interface would allocate an enumerator.
            IReadOnlyList<DestinationExporter> exporters = broadcaster.Destinations.Exporters;
            for (int e = 0; e < exporters.Count; e++)
            {
                DestinationExporter exporter = exporters[e];
                OtlpDestination destination = exporter.Destination;
                if (!destination.Enabled || !Accepts(broadcaster, destination, filter))
                {
                    continue;
                }

                VariantKey key = KeyOf(destination);
                int variant = _scratch.FindVariant(key);
                if (variant < 0)
                {
                    if (!key.IncludeContent && derive)
                    {
                        EncodeWithContentFirst(exporters, e + 1, key with { IncludeContent = true }, filter, identityAttributes);
                    }

                    variant = _scratch.AddVariant(key);
                    Encode(variant, identityAttributes, derive);
                }

                exporter.TryEnqueueAll(_scratch.FragmentsOf(variant));

                SpanCounts limited = _scratch.CountsOf(variant);
                exporter.CountLimits(limited.Truncated, limited.DroppedAttributes);
            }
        }
        finally
        {
            // The recording's own references: each queue that took a fragment holds its own.
            int derived = _scratch.WithheldSpansDerived;
            SpanCounts counted = _scratch.ReleaseFragments();
            broadcaster.Counted(counted.Truncated, counted.MetadataCut, derived);
        }

        if (broadcaster.EmitActivities && GenerationBroadcaster.Source.HasListeners())
        {
            ReportActivities(identityAttributes);
        }
    }

    /// <summary>Whether <paramref name="destination"/> takes this generation. A filter of the user's that throws keeps
    /// the generation from that destination only, counted as an internal error: the destinations after it still get
    /// theirs.</summary>
    private bool Accepts(GenerationBroadcaster broadcaster, OtlpDestination destination, in GenerationFilterContext filter)
    {
        try
        {
            return destination.Broadcast.Accepts(_identity.TraceId, filter);
        }
        catch (Exception exception)
        {
            broadcaster.InternalError(exception);
            return false;
        }
    }

    private static VariantKey KeyOf(OtlpDestination destination)
        => new(destination.Encoding, !destination.PrivacyMode, destination.Broadcast.ContentFormat, destination.Broadcast.MaxContentLength);

    /// <summary>
    /// When a destination further on (from <paramref name="next"/>) takes the variant <paramref name="withContent"/>
    /// of the one about to be encoded without content, encodes that one first, so that the span without content can
    /// be made from it whatever the destinations' order (unless that destination has a filter callback).
    /// </summary>
    private void EncodeWithContentFirst(
        IReadOnlyList<DestinationExporter> exporters, int next, VariantKey withContent, in GenerationFilterContext filter, RequestIdentity identityAttributes)
    {
        if (_scratch.FindVariant(withContent) >= 0)
        {
            return;
        }

        for (int e = next; e < exporters.Count; e++)
        {
            OtlpDestination destination = exporters[e].Destination;
            // A destination with a filter of its own is left to its turn: its filter is called once per generation.
            if (destination.Enabled && KeyOf(destination) == withContent && destination.Broadcast.Filter is null
                && destination.Broadcast.Accepts(_identity.TraceId, filter))
            {
                try
                {
                    Encode(_scratch.AddVariant(withContent), identityAttributes, derive: true);
                }
                catch (Exception)
                {
                    // Left to that destination's own turn, as if it had not been looked ahead to: the destinations
                    // before it still get their spans, as they did before.
                    _scratch.DiscardLastVariant();
                }

                return;
            }
        }
    }

    /// <summary>The same tree as <see cref="Activity"/> objects, without content, for in-process listeners.</summary>
    private void ReportActivities(RequestIdentity identityAttributes)
    {
        GenerationFacts facts = _facts;
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

        var parent = new ActivityContext(traceId, parentSpan, ActivityTraceFlags.Recorded, isRemote: _identity.ParentIsRemote);
        Activity? root = Report(RootName(), _identity.ParentIsLocal ? ActivityKind.Internal : ActivityKind.Server, parent, _start, _end, new TraceSpanAttributes(identityAttributes, failed, intermediate: false), facts.ErrorType);
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

    /// <summary>
    /// Encodes every span of the tree for <paramref name="variant"/>, adding the fragments to the scratch as they are
    /// made (so that a failure half-way releases what was made). Only the generation span carries content: the other
    /// spans are the same bytes in every variant of the same wire encoding and length limit, as long as their status
    /// is the same (a failed tree's error message goes only where content goes). Those are taken by reference from
    /// the variant that encoded them first, with what their encoding cut counted again for this variant.
    /// </summary>
    private void Encode(int variant, RequestIdentity identityAttributes, bool derive)
    {
        VariantKey key = _scratch.KeyOf(variant);
        var policy = new ContentPolicy(key.Format, key.MaxLength);
        bool failed = _facts.ErrorType is not null;
        SpanStatus status = StatusFor(key.IncludeContent, policy, out int statusCut);
        int donor = _scratch.FindVariantToShareWith(variant);
        long startNanos = UnixNanos.From(_start);
        long endNanos = UnixNanos.From(_end);
        uint flags = _identity.ParentIsRemote ? SpanFlags.ContextHasIsRemote | SpanFlags.ContextIsRemote : SpanFlags.ContextHasIsRemote;
        SpanKind rootKind = _identity.ParentIsLocal ? SpanKind.Internal : SpanKind.Server;

        // The top span (and the intermediate one) carry content only in an error message.
        bool spansShareable = donor >= 0 && StatusFor(_scratch.KeyOf(donor).IncludeContent, policy, out _) == status;
        bool statusWithheld = status == StatusFor(includeContent: false, policy, out _);
        int position = 0;
        if (spansShareable)
        {
            _scratch.AddShared(donor, position++);
        }
        else
        {
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identityAttributes, failed, intermediate: false), policy);
            string rootName = policy.LimitText(RootName(), out int nameCut);
            SpanFragment fragment = PolicyEncoding.Encode(
                key.Encoding, Header(_rootId, _identity.ParentSpanId, rootName, rootKind, startNanos, endNanos, status, flags), ref root, statusWithheld);
            _scratch.AddFragment(fragment, new SpanCounts(root.Truncated + nameCut + statusCut, root.DroppedAttributes, root.Source.MetadataCut));
            position++;
        }

        SpanId generationParent = _rootId;
        if (_intermediateId.IsValid)
        {
            if (spansShareable)
            {
                _scratch.AddShared(donor, position++);
            }
            else
            {
                var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identityAttributes, failed, intermediate: true), policy);
                string intermediateName = policy.LimitText(_context.Trace!.SpanName!, out int nameCut);
                SpanFragment fragment = PolicyEncoding.Encode(
                    key.Encoding,
                    Header(_intermediateId, _rootId, intermediateName, SpanKind.Internal, startNanos, endNanos, status, SpanFlags.ContextHasIsRemote),
                    ref intermediate,
                    statusWithheld);
                _scratch.AddFragment(fragment, new SpanCounts(intermediate.Truncated + nameCut + statusCut, intermediate.DroppedAttributes, intermediate.Source.MetadataCut));
                position++;
            }

            generationParent = _intermediateId;
        }

        // The generation span: content, and the status of the top span. Without content, it is the span with content
        // less the sensitive members' marked sections, when that span was encoded for the same destinations' settings.
        if (!derive || key.IncludeContent || status != StatusFor(includeContent: true, policy, out _) || !_scratch.TryAddWithoutContent(key with { IncludeContent = true }))
        {
            ContentSections? sections = derive && key.IncludeContent ? _scratch.RecordSectionsFor(variant) : null;
            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<TRequest>, OtlpAttributesSource<TResponse>>>(
                new(identityAttributes, _facts, new(_request, key.IncludeContent), new(_response, key.IncludeContent)), policy, sections);
            string generationName = policy.LimitText(GenerationName(), out int nameCut);
            SpanFragment generationFragment = PolicyEncoding.Encode(
                key.Encoding,
                Header(_generationId, generationParent, generationName, SpanKind.Client, startNanos, endNanos, status, SpanFlags.ContextHasIsRemote),
                ref generation,
                !key.IncludeContent);
            _scratch.AddFragment(
                generationFragment,
                new SpanCounts(generation.Truncated + nameCut + statusCut, generation.DroppedAttributes, generation.Source.MetadataCut),
                withSections: sections is { Usable: true } && generation.DroppedAttributes == 0);
        }

        position++;

        // Attempts: never content, whatever the variant (their status is the attempt's own error type).
        for (int i = 0; i < _attempts.Count; i++, position++)
        {
            if (donor >= 0)
            {
                _scratch.AddShared(donor, position);
                continue;
            }

            ProviderAttempt attempt = _attempts[i];
            var attributes = new PolicyAttributeSource<AttemptSpanAttributes>(new AttemptSpanAttributes(attempt, i + 1), policy);
            int attemptStatusCut = 0;
            SpanStatus attemptStatus = attempt.ErrorType is null ? SpanStatus.Ok : SpanStatus.Error(policy.LimitText(attempt.ErrorType, out attemptStatusCut));
            string attemptName = policy.LimitText(SpanNames.Attempt(attempt.Provider), out int nameCut);
            SpanFragment fragment = PolicyEncoding.Encode(
                key.Encoding,
                Header(_scratch.AttemptId(i), _generationId, attemptName, SpanKind.Client,
                    UnixNanos.From(attempt.Start), UnixNanos.From(attempt.End), attemptStatus, SpanFlags.ContextHasIsRemote),
                ref attributes,
                contentWithheld: true);
            _scratch.AddFragment(fragment, new SpanCounts(attributes.Truncated + nameCut + attemptStatusCut, attributes.DroppedAttributes, MetadataCut: 0));
        }

        _scratch.EndVariant(variant);
    }

    /// <summary>The status of the top, intermediate and generation spans: an error message may quote the prompt, so
    /// privacy-mode destinations get the error type only. The message is cut to the policy's limit (an upstream's
    /// error page made every span carrying it too large to send); <paramref name="cut"/> is 1 when it was.</summary>
    private SpanStatus StatusFor(bool includeContent, ContentPolicy policy, out int cut)
    {
        string? errorType = _facts.ErrorType;
        if (errorType is null)
        {
            cut = 0;
            return SpanStatus.Ok;
        }

        return SpanStatus.Error(policy.LimitText(includeContent ? _errorMessage ?? errorType : errorType, out cut));
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

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
/// Every span id is new and random, so requests sharing a trace id never share a span id.
/// </summary>
internal sealed class SpanTree<TRequest, TResponse>(
    TraceIdentity identity,
    GenerationContext context,
    TRequest request,
    TResponse? response,
    DateTimeOffset start,
    DateTimeOffset end,
    ProviderAttempt[] attempts,
    GenerationFacts facts,
    string? errorMessage)
    where TRequest : IOtlpAttributes
    where TResponse : IOtlpAttributes
{
    private readonly SpanId _rootId = SpanId.CreateRandom();
    private readonly SpanId _intermediateId = string.IsNullOrEmpty(context.Trace?.SpanName) ? default : SpanId.CreateRandom();
    private readonly SpanId _generationId = SpanId.CreateRandom();

    public void Broadcast(GenerationBroadcaster broadcaster)
    {
        var filter = new GenerationFilterContext(context.Model, facts.Provider, context.ApiKeyName, context.User);
        var identityAttributes = new RequestIdentity
        {
            User = context.User,
            SessionId = context.SessionId,
            RawTraceId = identity.RawTraceId,
            TraceName = context.Trace?.TraceName,
            Metadata = context.Trace?.Metadata,
            BlockId = RequestIdentity.NewBlockId(),
        };

        var variants = new List<(VariantKey Key, SpanFragment[] Fragments)>();
        int truncated = 0;
        int metadataCut = 0;
        try
        {
            foreach (DestinationExporter exporter in broadcaster.Destinations.Exporters)
            {
                OtlpDestination destination = exporter.Destination;
                if (!destination.Enabled || !destination.Broadcast.Accepts(identity.TraceId, filter))
                {
                    continue;
                }

                var key = new VariantKey(destination.Encoding, !destination.PrivacyMode, destination.Broadcast.ContentFormat, destination.Broadcast.MaxContentLength);
                int index = variants.FindIndex(v => v.Key == key);
                if (index < 0)
                {
                    var policy = new ContentPolicy(key.Format, key.MaxLength);
                    variants.Add((key, Encode(key.Encoding, key.IncludeContent, policy, identityAttributes, ref truncated, ref metadataCut)));
                    index = variants.Count - 1;
                }

                foreach (SpanFragment fragment in variants[index].Fragments)
                {
                    exporter.TryEnqueue(fragment);
                }
            }
        }
        finally
        {
            foreach ((_, SpanFragment[] fragments) in variants)
            {
                foreach (SpanFragment fragment in fragments)
                {
                    fragment.Release();
                }
            }

            broadcaster.Counted(truncated, metadataCut);
        }

        if (broadcaster.EmitActivities && GenerationBroadcaster.Source.HasListeners())
        {
            ReportActivities(identityAttributes);
        }
    }

    /// <summary>The same tree as <see cref="Activity"/> objects, without content, for in-process listeners.</summary>
    private void ReportActivities(RequestIdentity identityAttributes)
    {
        bool failed = facts.ErrorType is not null;
        Span<byte> bytes = stackalloc byte[TraceId.ByteLength];
        identity.TraceId.CopyTo(bytes);
        ActivityTraceId traceId = ActivityTraceId.CreateFromBytes(bytes);
        ActivitySpanId parentSpan = default;
        if (identity.ParentSpanId.IsValid)
        {
            identity.ParentSpanId.CopyTo(bytes[..SpanId.ByteLength]);
            parentSpan = ActivitySpanId.CreateFromBytes(bytes[..SpanId.ByteLength]);
        }

        var parent = new ActivityContext(traceId, parentSpan, ActivityTraceFlags.Recorded, isRemote: identity.ParentSpanId.IsValid);
        Activity? root = Report(RootName(), ActivityKind.Server, parent, start, end, new TraceSpanAttributes(identityAttributes, failed, intermediate: false), facts.ErrorType);
        if (root is null)
        {
            return;
        }

        ActivityContext generationParent = root.Context;
        if (_intermediateId.IsValid)
        {
            generationParent = Report(context.Trace!.SpanName!, ActivityKind.Internal, root.Context, start, end,
                new TraceSpanAttributes(identityAttributes, failed, intermediate: true), facts.ErrorType)?.Context ?? root.Context;
        }

        Activity? generation = Report(GenerationName(), ActivityKind.Client, generationParent, start, end,
            new GenerationSpanAttributes<OtlpAttributesSource<TRequest>, OtlpAttributesSource<TResponse>>(
                identityAttributes, facts, new(request, includeContent: false), new(response, includeContent: false)), facts.ErrorType);
        for (int i = 0; generation is not null && i < attempts.Length; i++)
        {
            Report("attempt " + attempts[i].Provider, ActivityKind.Client, generation.Context, attempts[i].Start, attempts[i].End,
                new AttemptSpanAttributes(attempts[i], i + 1), attempts[i].ErrorType);
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

    /// <summary>Encodes one variant; adds what its policy cut to <paramref name="truncated"/> and
    /// <paramref name="metadataCut"/>.</summary>
    private SpanFragment[] Encode(
        SpanEncoding encoding, bool includeContent, ContentPolicy policy, RequestIdentity identityAttributes, ref int truncated, ref int metadataCut)
    {
        bool failed = facts.ErrorType is not null;

        // An error message may quote the prompt: privacy-mode destinations get the error type only.
        SpanStatus status = failed ? SpanStatus.Error(includeContent ? errorMessage ?? facts.ErrorType : facts.ErrorType) : SpanStatus.Ok;
        long startNanos = UnixNanos.From(start);
        long endNanos = UnixNanos.From(end);
        uint flags = identity.ParentSpanId.IsValid ? SpanFlags.ContextHasIsRemote | SpanFlags.ContextIsRemote : SpanFlags.ContextHasIsRemote;
        var fragments = new List<SpanFragment>(3 + attempts.Length);
        try
        {
            var root = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identityAttributes, failed, intermediate: false), policy);
            fragments.Add(SpanEnvelopes.Encode(
                encoding,
                Header(_rootId, identity.ParentSpanId, RootName(), SpanKind.Server, startNanos, endNanos, status, flags),
                ref root,
                !includeContent));
            truncated += root.Truncated;
            metadataCut += root.Source.MetadataCut;

            SpanId generationParent = _rootId;
            if (_intermediateId.IsValid)
            {
                var intermediate = new PolicyAttributeSource<TraceSpanAttributes>(new TraceSpanAttributes(identityAttributes, failed, intermediate: true), policy);
                fragments.Add(SpanEnvelopes.Encode(
                    encoding,
                    Header(_intermediateId, _rootId, context.Trace!.SpanName!, SpanKind.Internal, startNanos, endNanos, status, SpanFlags.ContextHasIsRemote),
                    ref intermediate,
                    !includeContent));
                truncated += intermediate.Truncated;
                metadataCut += intermediate.Source.MetadataCut;
                generationParent = _intermediateId;
            }

            var generation = new PolicyAttributeSource<GenerationSpanAttributes<OtlpAttributesSource<TRequest>, OtlpAttributesSource<TResponse>>>(
                new(identityAttributes, facts, new(request, includeContent), new(response, includeContent)), policy);
            fragments.Add(SpanEnvelopes.Encode(
                encoding,
                Header(_generationId, generationParent, GenerationName(), SpanKind.Client, startNanos, endNanos, status, SpanFlags.ContextHasIsRemote),
                ref generation,
                !includeContent));
            truncated += generation.Truncated;
            metadataCut += generation.Source.MetadataCut;

            for (int i = 0; i < attempts.Length; i++)
            {
                ProviderAttempt attempt = attempts[i];
                var attributes = new PolicyAttributeSource<AttemptSpanAttributes>(new AttemptSpanAttributes(attempt, i + 1), policy);
                SpanStatus attemptStatus = attempt.ErrorType is null ? SpanStatus.Ok : SpanStatus.Error(attempt.ErrorType);
                fragments.Add(SpanEnvelopes.Encode(
                    encoding,
                    Header(SpanId.CreateRandom(), _generationId, "attempt " + attempt.Provider, SpanKind.Client,
                        UnixNanos.From(attempt.Start), UnixNanos.From(attempt.End), attemptStatus, SpanFlags.ContextHasIsRemote),
                    ref attributes,
                    !includeContent));
                truncated += attributes.Truncated;
            }

            return [.. fragments];
        }
        catch
        {
            foreach (SpanFragment fragment in fragments)
            {
                fragment.Release();
            }

            throw;
        }
    }

    private SpanHeader Header(SpanId id, SpanId parent, string name, SpanKind kind, long startNanos, long endNanos, SpanStatus status, uint flags) => new()
    {
        TraceId = identity.TraceId,
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
        => string.IsNullOrEmpty(context.Trace?.TraceName) ? context.Operation + " request" : context.Trace.TraceName;

    private string GenerationName()
        => string.IsNullOrEmpty(context.Trace?.GenerationName)
            ? string.IsNullOrEmpty(context.Model) ? context.Operation : context.Operation + " " + context.Model
            : context.Trace.GenerationName;

    private readonly record struct VariantKey(SpanEncoding Encoding, bool IncludeContent, ContentFormat Format, int MaxLength);
}

using System.Text.Json;
using K = OtlpBroadcast.SpanKeys;

namespace OtlpBroadcast;

/// <summary>The identity and metadata every span of a request that backends filter on carries.</summary>
/// <remarks>A struct, like the other inputs of an encoding: encoding a span tree allocates nothing.</remarks>
internal readonly struct RequestIdentity
{
    public required string? User { get; init; }

    public required string? SessionId { get; init; }

    public required string? RawTraceId { get; init; }

    public required string? TraceName { get; init; }

    public required IDictionary<string, JsonElement>? Metadata { get; init; }

    /// <summary>Metadata keys left out when the trace field was read (<see cref="TraceField.KeysLeftOut"/>), counted
    /// with those the writer cuts.</summary>
    public int MetadataLeftOut { get; init; }

    /// <summary>
    /// Names this identity among all that are encoded (<see cref="NewBlockId"/>), so that the JSON and protobuf
    /// encoders can copy the attributes they wrote for one span of the tree into the next (<see cref="RepeatedIdentityBlock"/>);
    /// 0 (the default) writes them every time.
    /// </summary>
    public long BlockId { get; init; }

    /// <summary>A process-wide unique <see cref="BlockId"/>, for one tree.</summary>
    public static long NewBlockId() => Interlocked.Increment(ref s_lastBlockId);

    private static long s_lastBlockId;

    /// <summary>Writes the identity; returns how many metadata entries the limits cut.</summary>
    public int WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        => RepeatedIdentityBlock.TryWrite(ref sink, this, out int metadataCut) ? metadataCut : WriteAttributes(ref sink);

    /// <summary>Writes the identity's attributes; returns how many metadata entries the limits cut.</summary>
    public int WriteAttributes<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write(K.UserId, User);
        sink.Write(K.SessionId, SessionId);
        sink.Write(K.TraceName, TraceName);
        sink.Write(K.TraceTraceId, RawTraceId);
        return TraceMetadataWriter.Write(ref sink, Metadata) + MetadataLeftOut;
    }
}

/// <summary>Attributes of the request's top span (<c>trace_name</c>) and of the intermediate span.</summary>
internal struct TraceSpanAttributes(RequestIdentity identity, bool failed, bool intermediate) : IAttributeSource
{
    /// <summary>Metadata entries cut by the limits, summed over every write.</summary>
    public int MetadataCut { get; private set; }

    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write(K.SpanType, intermediate ? "span" : "trace");
        sink.Write(K.SpanLevel, failed ? "ERROR" : "DEFAULT");
        MetadataCut += identity.WriteTo(ref sink);
    }
}

/// <summary>Everything a generation span carries besides the DTOs' own attributes.</summary>
internal readonly struct GenerationFacts
{
    public required string Operation { get; init; }

    public required string? Provider { get; init; }

    public required string? ServerAddress { get; init; }

    public required int? ServerPort { get; init; }

    /// <summary>The cost's parts; their total (<see cref="GenerationCost.EffectiveTotal"/>, a decimal sum that takes
    /// longer than writing the four cost attributes) is worked out here, once per request, into
    /// <see cref="TotalCost"/> rather than for every variant encoded.</summary>
    public required GenerationCost Cost
    {
        get => _cost;
        init
        {
            _cost = value;
            TotalCost = value.EffectiveTotal;
        }
    }

    /// <summary>The cost's <see cref="GenerationCost.EffectiveTotal"/>.</summary>
    public double? TotalCost { get; private init; }

    private readonly GenerationCost _cost;

    public required string? ErrorType { get; init; }

    public required double? TimeToFirstTokenSeconds { get; init; }
}

/// <summary>Attributes of the LLM generation span: GenAI conventions, the request and response DTOs, cost.</summary>
internal struct GenerationSpanAttributes<TRequest, TResponse>(
    RequestIdentity identity, GenerationFacts facts, TRequest request, TResponse response) : IAttributeSource
    where TRequest : struct, IAttributeSource
    where TResponse : struct, IAttributeSource
{
    /// <summary>Metadata entries cut by the limits, summed over every write.</summary>
    public int MetadataCut { get; private set; }

    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write(K.SpanType, "generation");
        sink.Write(K.SpanLevel, facts.ErrorType is null ? "DEFAULT" : "ERROR");
        sink.Write(K.OperationName, facts.Operation);
        if (facts.Provider is not null)
        {
            sink.Write(K.ProviderName, facts.Provider);

            // The deprecated name, still read by older backends.
            sink.Write(K.GenAiSystem, facts.Provider);
        }

        request.WriteTo(ref sink);
        response.WriteTo(ref sink);
        WriteCost(ref sink, facts.Cost, facts.TotalCost);
        sink.Write(K.ServerAddress, facts.ServerAddress);
        if (facts.ServerPort is { } port)
        {
            sink.Write(K.ServerPort, port);
        }

        if (facts.TimeToFirstTokenSeconds is { } ttft)
        {
            sink.Write(K.TimeToFirstToken, ttft);
        }

        sink.Write(K.ErrorType, facts.ErrorType);
        MetadataCut += identity.WriteTo(ref sink);
    }

    private static void WriteCost<TSink>(ref TSink sink, GenerationCost cost, double? total) where TSink : struct, IAttributeSink
    {
        if (cost.Input is { } input)
        {
            sink.Write(K.InputCost, input);
        }

        if (cost.Output is { } output)
        {
            sink.Write(K.OutputCost, output);
        }

        if (total is { } sum)
        {
            sink.Write(K.TotalCost, sum);

            // The key a popular LLM-observability backend reads cost from.
            sink.Write(K.Cost, sum);
        }
    }
}

/// <summary>Attributes of one provider attempt span.</summary>
internal readonly struct AttemptSpanAttributes(ProviderAttempt attempt, int number) : IAttributeSource
{
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write(K.SpanType, "attempt");
        sink.Write(K.SpanLevel, attempt.ErrorType is null ? "DEFAULT" : "ERROR");
        sink.Write(K.ProviderName, attempt.Provider);
        sink.Write(K.AttemptNumber, number);
        if (attempt.StatusCode is { } status)
        {
            sink.Write(K.StatusCode, status);
        }

        sink.Write(K.ErrorType, attempt.ErrorType);
    }
}

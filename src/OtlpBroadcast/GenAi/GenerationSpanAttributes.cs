using System.Text.Json;

namespace OtlpBroadcast;

/// <summary>The identity and metadata every span of a request that backends filter on carries (reused by the
/// recording that owns it: see <see cref="BroadcastScratch"/>).</summary>
internal sealed class RequestIdentity
{
    public string? User { get; set; }

    public string? SessionId { get; set; }

    public string? RawTraceId { get; set; }

    public string? TraceName { get; set; }

    public IDictionary<string, JsonElement>? Metadata { get; set; }

    /// <summary>Metadata entries cut by the limits (counted once per encoding).</summary>
    public int MetadataCut;

    public void Clear()
    {
        User = SessionId = RawTraceId = TraceName = null;
        Metadata = null;
        MetadataCut = 0;
    }

    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write("user.id"u8, User);
        sink.Write("session.id"u8, SessionId);
        sink.Write("trace.name"u8, TraceName);
        sink.Write("trace.trace_id"u8, RawTraceId);
        int cut = TraceMetadataWriter.Write(ref sink, Metadata);
        if (cut > 0)
        {
            Interlocked.Add(ref MetadataCut, cut);
        }
    }
}

/// <summary>Attributes of the request's top span (<c>trace_name</c>) and of the intermediate span.</summary>
internal readonly struct TraceSpanAttributes(RequestIdentity identity, bool failed, bool intermediate) : IAttributeSource
{
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write("span.type"u8, intermediate ? "span" : "trace");
        sink.Write("span.level"u8, failed ? "ERROR" : "DEFAULT");
        identity.WriteTo(ref sink);
    }
}

/// <summary>Everything a generation span carries besides the DTOs' own attributes (reused by the recording that owns
/// it: see <see cref="BroadcastScratch"/>).</summary>
internal sealed class GenerationFacts
{
    public string Operation { get; set; } = "";

    public string? Provider { get; set; }

    public string? ServerAddress { get; set; }

    public int? ServerPort { get; set; }

    public GenerationCost Cost { get; set; }

    public string? ErrorType { get; set; }

    public double? TimeToFirstTokenSeconds { get; set; }

    public void Set(string operation, string? provider, string? serverAddress, int? serverPort, GenerationCost cost, string? errorType, double? timeToFirstTokenSeconds)
    {
        Operation = operation;
        Provider = provider;
        ServerAddress = serverAddress;
        ServerPort = serverPort;
        Cost = cost;
        ErrorType = errorType;
        TimeToFirstTokenSeconds = timeToFirstTokenSeconds;
    }

    public void Clear() => Set("", null, null, null, default, null, null);
}

/// <summary>Attributes of the LLM generation span: GenAI conventions, the request and response DTOs, cost.</summary>
internal readonly struct GenerationSpanAttributes<TRequest, TResponse>(
    RequestIdentity identity, GenerationFacts facts, TRequest request, TResponse response) : IAttributeSource
    where TRequest : struct, IAttributeSource
    where TResponse : struct, IAttributeSource
{
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write("span.type"u8, "generation");
        sink.Write("span.level"u8, facts.ErrorType is null ? "DEFAULT" : "ERROR");
        sink.Write("gen_ai.operation.name"u8, facts.Operation);
        if (facts.Provider is not null)
        {
            sink.Write("gen_ai.provider.name"u8, facts.Provider);

            // The deprecated name, still read by older backends.
            sink.Write("gen_ai.system"u8, facts.Provider);
        }

        request.WriteTo(ref sink);
        response.WriteTo(ref sink);
        WriteCost(ref sink, facts.Cost);
        sink.Write("server.address"u8, facts.ServerAddress);
        if (facts.ServerPort is { } port)
        {
            sink.Write("server.port"u8, port);
        }

        if (facts.TimeToFirstTokenSeconds is { } ttft)
        {
            sink.Write("gen_ai.response.time_to_first_token"u8, ttft);
        }

        sink.Write("error.type"u8, facts.ErrorType);
        identity.WriteTo(ref sink);
    }

    private static void WriteCost<TSink>(ref TSink sink, GenerationCost cost) where TSink : struct, IAttributeSink
    {
        if (cost.Input is { } input)
        {
            sink.Write("gen_ai.usage.input_cost"u8, input);
        }

        if (cost.Output is { } output)
        {
            sink.Write("gen_ai.usage.output_cost"u8, output);
        }

        if (cost.EffectiveTotal is { } total)
        {
            sink.Write("gen_ai.usage.total_cost"u8, total);

            // The key a popular LLM-observability backend reads cost from.
            sink.Write("gen_ai.usage.cost"u8, total);
        }
    }
}

/// <summary>Attributes of one provider attempt span.</summary>
internal readonly struct AttemptSpanAttributes(ProviderAttempt attempt, int number) : IAttributeSource
{
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        sink.Write("span.type"u8, "attempt");
        sink.Write("span.level"u8, attempt.ErrorType is null ? "DEFAULT" : "ERROR");
        sink.Write("gen_ai.provider.name"u8, attempt.Provider);
        sink.Write("gen_ai.attempt.number"u8, number);
        if (attempt.StatusCode is { } status)
        {
            sink.Write("http.response.status_code"u8, status);
        }

        sink.Write("error.type"u8, attempt.ErrorType);
    }
}

using System.Net;
using System.Net.Sockets;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// Shared pieces of the exporter integration tests: destinations aimed at a loopback <see cref="OtlpTestReceiver"/>
/// with small delays, spans with recognisable names, and the accounting checks every test repeats.
/// </summary>
internal static class ExportTestKit
{
    /// <summary>An upper bound for waiting on something that normally takes milliseconds (a loaded 2-core machine
    /// may be slow; a test never waits this long when it passes).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A scheduled delay long enough that only a flush, a full batch or a shutdown sends anything.</summary>
    public static readonly TimeSpan Never = TimeSpan.FromMinutes(30);

    public static readonly OtlpResource Resource = new(
        "exptests-service",
        [new SpanAttribute("deployment.environment", "integration-test")]);

    /// <summary>Services with the test resource and the default (shared) HTTP stack.</summary>
    public static ExporterServices Services { get; } = new() { Resource = Resource };

    /// <summary>
    /// Options aimed at <paramref name="endpoint"/>: nothing is sent before a flush or a full batch, retries come
    /// quickly, and a stuck request gives up well within <see cref="Patience"/>.
    /// </summary>
    public static OtlpDestinationOptions Options(Uri endpoint, string name = "test") => new()
    {
        Name = name,
        Endpoint = endpoint.AbsoluteUri,
        ScheduledDelay = Never,
        Timeout = TimeSpan.FromSeconds(10),
        ExportTimeout = TimeSpan.FromSeconds(20),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
        MaxAttempts = 5,
    };

    public static OtlpDestinationOptions Options(OtlpTestReceiver receiver, string name = "test")
        => Options(receiver.TracesEndpoint, name);

    public static DestinationExporter Exporter(OtlpDestinationOptions options, ExporterServices? services = null)
        => new(OtlpDestination.Create(options), services ?? Services);

    /// <summary>A small span whose name carries <paramref name="index"/>.</summary>
    public static OtlpSpan Span(int index, TraceId? traceId = null)
    {
        long start = UnixNanos.From(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero)) + (index * 1_000_000L);
        var span = new OtlpSpan(traceId ?? TraceId.CreateRandom(), SpanId.CreateRandom(), $"span-{index}")
        {
            Kind = SpanKind.Client,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 500_000,
            Status = SpanStatus.Ok,
        };
        span.With("test.index", (long)index);
        return span;
    }

    /// <summary>Encodes and enqueues <paramref name="span"/>, then releases the caller's own reference.</summary>
    public static bool Enqueue(DestinationExporter exporter, OtlpSpan span)
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(span);
        try
        {
            return exporter.TryEnqueue(fragment);
        }
        finally
        {
            fragment.Release();
        }
    }

    /// <summary>Enqueues spans 0..count-1 and returns them; every one must be accepted.</summary>
    public static List<OtlpSpan> EnqueueSpans(DestinationExporter exporter, int count, int firstIndex = 0)
    {
        var spans = new List<OtlpSpan>(count);
        for (int i = firstIndex; i < firstIndex + count; i++)
        {
            OtlpSpan span = Span(i);
            Assert.True(Enqueue(exporter, span), $"span {i} was not accepted");
            spans.Add(span);
        }

        return spans;
    }

    public static async Task FlushOrFail(DestinationExporter exporter)
        => Assert.True(await exporter.FlushAsync(Patience), "FlushAsync did not settle everything within the patience bound");

    /// <summary>
    /// Nothing is lost unaccounted: <c>Offered = Exported + Rejected + HandedOver + DroppedTotal + Pending</c>; and, when
    /// <paramref name="settled"/>, nothing is pending.
    /// </summary>
    public static void AssertAccounting(DestinationStatistics stats, bool settled = true)
    {
        Assert.Equal(stats.Offered, stats.Exported + stats.Rejected + stats.HandedOver + stats.DroppedTotal + stats.Pending);
        if (settled)
        {
            Assert.Equal(0, stats.Pending);
        }
    }

    public static long Dropped(this DestinationStatistics stats, DropReason reason) => stats.Dropped[reason];

    /// <summary>No request the exporter sent broke an OTLP/JSON encoding rule (the receiver decodes strictly).</summary>
    public static void AssertNoDecodeErrors(OtlpTestReceiver receiver)
    {
        foreach (ReceivedRequest request in receiver.Requests)
        {
            Assert.True(request.DecodeError is null, $"request #{request.Index} did not decode: {request.DecodeError}");
        }
    }

    /// <summary>The span names the receiver stored, in arrival order.</summary>
    public static List<string> StoredNames(OtlpTestReceiver receiver) => [.. receiver.Spans.Select(s => s.Name)];

    public static List<string> Names(IEnumerable<OtlpSpan> spans) => [.. spans.Select(s => s.Name)];

    /// <summary>
    /// Fails when <paramref name="secret"/> occurs in <paramref name="text"/>, without printing either: a failing
    /// test must not put the secret into the test output.
    /// </summary>
    public static void AssertNoSecret(string? text, string secret, string where)
    {
        Assert.False(text is not null && text.Contains(secret, StringComparison.Ordinal), $"the secret appears in {where}");
    }

    /// <summary>The bytes <paramref name="action"/> allocates on this thread (the delegate itself is made before).</summary>
    public static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>A loopback URL on a port that nothing listens on (a listener bound port 0, read its port, stopped).</summary>
    public static Uri ClosedEndpoint()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/v1/traces");
    }
}

/// <summary>
/// A real HTTP stack whose requests wait at a gate until the test opens it: the exporter's loop is then stuck
/// inside a send, so a test controls exactly what is in the queue when the next batch is taken.
/// </summary>
internal sealed class GatedHandler : DelegatingHandler
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GatedHandler()
        : base(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
    }

    /// <summary>Completes when the first request reached the gate.</summary>
    public Task FirstRequestArrived => _firstArrived.Task;

    public void Open() => _open.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _firstArrived.TrySetResult();
        await _open.Task.WaitAsync(cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// A real HTTP stack in which the requests that <c>fault</c> picks throw its exception instead of being sent, as a
/// DelegatingHandler of an IHttpClientFactory pipeline, an open circuit breaker or a disposed client does. The
/// others go through.
/// </summary>
internal sealed class ThrowingHandler(Func<int, HttpRequestMessage, Exception?> fault)
    : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
{
    private int _requests;

    /// <summary>Requests that reached the handler, thrown or sent.</summary>
    public int Requests => Volatile.Read(ref _requests);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int index = Interlocked.Increment(ref _requests) - 1;
        return fault(index, request) is { } exception ? throw exception : base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Answers every request with what <c>respond</c> makes of it, without a network: for answers a real server
/// sends but the test receiver cannot (a reason phrase of the server's choosing).</summary>
internal sealed class RespondingHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => Task.FromResult(respond(request));
}

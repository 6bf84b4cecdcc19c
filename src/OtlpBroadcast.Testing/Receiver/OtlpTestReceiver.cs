using Microsoft.AspNetCore.Builder;

namespace OtlpBroadcast.Testing;

/// <summary>
/// An OTLP/HTTP JSON trace receiver on a free loopback port, recording every request and the spans it
/// accepted, so that tests and demos can assert on what an exporter really sent.
/// </summary>
public sealed class OtlpTestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ReceivedLog _log;
    private readonly CancellationTokenSource _stopping;
    private readonly Lock _disposeLock = new();

    /// <summary>The stop begun by the first <see cref="DisposeAsync"/>, which every later call waits for.</summary>
    private Task? _disposal;

    private OtlpTestReceiver(WebApplication app, ReceivedLog log, CancellationTokenSource stopping, Uri baseAddress)
    {
        _app = app;
        _log = log;
        _stopping = stopping;
        BaseAddress = baseAddress;
        TracesEndpoint = new Uri(baseAddress, RequestEvaluator.TracesPath.TrimStart('/'));
    }

    /// <summary>The root address, e.g. <c>http://127.0.0.1:54321/</c> (what OTEL_EXPORTER_OTLP_ENDPOINT takes).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The full trace endpoint, <c>{BaseAddress}v1/traces</c>.</summary>
    public Uri TracesEndpoint { get; }

    /// <summary>Every request received since start or the last <see cref="Clear"/>, in the order answered.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => _log.Requests;

    /// <summary>Every accepted span since start or the last <see cref="Clear"/> (a snapshot).</summary>
    public IReadOnlyList<ReceivedSpan> Spans => _log.Spans;

    /// <summary>Starts a receiver on <c>http://127.0.0.1:0</c>.</summary>
    public static async Task<OtlpTestReceiver> StartAsync(OtlpTestReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new OtlpTestReceiverOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxRequestBodyBytes);
        var requiredHeaders = new Dictionary<string, string>(options.RequiredHeaders, StringComparer.OrdinalIgnoreCase);
        var log = new ReceivedLog();
        var stopping = new CancellationTokenSource();
        var app = LoopbackServer.Build(port: 0, options.ConfigureLogging);
        var handler = new TraceRequestHandler(
            new RequestEvaluator(options, requiredHeaders), options.Responder, options.MaxRequestBodyBytes, log, stopping.Token);
        app.Run(handler.HandleAsync);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new OtlpTestReceiver(app, log, stopping, LoopbackServer.Address(app));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            stopping.Dispose();
            throw;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> spans were accepted, then returns all accepted spans.</summary>
    /// <exception cref="TimeoutException">Too few arrived; the message says how many and lists the last requests.</exception>
    public Task<IReadOnlyList<ReceivedSpan>> WaitForSpansAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _log.WaitForSpansAsync(count, timeout, cancellationToken);

    /// <summary>Waits until at least <paramref name="count"/> requests were answered, then returns all of them.</summary>
    /// <exception cref="TimeoutException">Too few arrived; the message lists the requests that did.</exception>
    public Task<IReadOnlyList<ReceivedRequest>> WaitForRequestsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _log.WaitForRequestsAsync(count, timeout, cancellationToken);

    /// <summary>
    /// Waits until the request with the given 0-based <see cref="ReceivedRequest.Index"/> (the index the
    /// responder saw) was answered, and returns it.
    /// </summary>
    /// <exception cref="TimeoutException">It was not answered in time.</exception>
    public Task<ReceivedRequest> WaitForRequestAsync(int index, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _log.WaitForRequestAsync(index, timeout, cancellationToken);

    /// <summary>Forgets recorded requests and spans; request indexes keep counting.</summary>
    public void Clear() => _log.Clear();

    /// <summary>Stops listening, ending any delayed answers by resetting their connections. A second or concurrent
    /// call returns when the first one has finished.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_disposeLock)
        {
            _disposal ??= StopAsync();
        }

        return new ValueTask(_disposal);
    }

    private async Task StopAsync()
    {
        // Off the caller's thread and outside the lock: the stop waits for connections to end.
        await Task.Yield();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await LoopbackServer.StopAsync(_app).ConfigureAwait(false);
        _stopping.Dispose();
    }
}

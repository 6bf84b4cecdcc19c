using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;

namespace OtlpBroadcast.Testing;

/// <summary>
/// An OTLP/HTTP trace receiver on loopback that misbehaves on purpose, for load and fault tests: each request whose
/// body decodes (JSON or protobuf, strictly) meets a <see cref="ReceiverFault"/> drawn from a seeded sequence. It
/// keeps, per span id, whether the span was stored and whether the client was told, so a test can hold an exporter's
/// counts against what really arrived (<see cref="Summarize"/>). It can stop listening and come back on the same port,
/// to play a backend that is down for a while.
/// </summary>
public sealed class OtlpFaultReceiver : IAsyncDisposable
{
    /// <summary>How long <see cref="ResumeListeningAsync"/> keeps trying to bind the port by default.</summary>
    public static readonly TimeSpan DefaultBindPatience = TimeSpan.FromSeconds(15);

    private readonly OtlpFaultReceiverOptions _options;
    private readonly FaultLedger _ledger = new();
    private readonly FaultRequestHandler _handler;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private FaultSequence _sequence;
    private WebApplication? _app;
    private CancellationTokenSource? _appStopping;
    private bool _disposed;

    private OtlpFaultReceiver(OtlpFaultReceiverOptions options)
    {
        _options = options;
        _sequence = new FaultSequence(options.Seed, options.Weights, options.Script);
        var evaluator = new RequestEvaluator(
            new OtlpTestReceiverOptions { Strict = options.Strict, MaxRequestBodyBytes = options.MaxRequestBodyBytes },
            new Dictionary<string, string>());
        _handler = new FaultRequestHandler(options, evaluator, _ledger, () => Volatile.Read(ref _sequence));
    }

    /// <summary>The root address, e.g. <c>http://127.0.0.1:54321/</c>; it keeps its port across
    /// <see cref="StopListeningAsync"/> and <see cref="ResumeListeningAsync"/>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The full trace endpoint, <c>{BaseAddress}v1/traces</c>.</summary>
    public Uri TracesEndpoint => new(BaseAddress, RequestEvaluator.TracesPath.TrimStart('/'));

    /// <summary>Whether it accepts connections now.</summary>
    public bool IsListening => Volatile.Read(ref _app) is not null;

    /// <summary>Every request since start or the last <see cref="Reset"/>, in the order recorded (a snapshot).</summary>
    public IReadOnlyList<FaultRequest> Requests => _ledger.Requests;

    /// <summary>Starts a receiver on <c>127.0.0.1</c>, on <see cref="OtlpFaultReceiverOptions.Port"/> or a free port.</summary>
    /// <exception cref="ArgumentException">The weights are unusable.</exception>
    public static async Task<OtlpFaultReceiver> StartAsync(OtlpFaultReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new OtlpFaultReceiverOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxRequestBodyBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RetryAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxHang, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        var receiver = new OtlpFaultReceiver(options);
        var app = await receiver.ListenAsync(options.Port, cancellationToken).ConfigureAwait(false);
        receiver.BaseAddress = LoopbackServer.Address(app);
        return receiver;
    }

    /// <summary>Counts what was received, stored and rejected (see <see cref="FaultReceiverSummary"/>). Exact once no
    /// request is in flight, e.g. after the exporter flushed or after <see cref="StopListeningAsync"/>.</summary>
    public FaultReceiverSummary Summarize() => _ledger.Summarize();

    /// <summary>Forgets every request and span and starts the fault sequence (script included) again at request 0,
    /// with <paramref name="seed"/> if given. Call it while no request is in flight.</summary>
    public void Reset(int? seed = null)
    {
        if (seed is { } newSeed)
        {
            Volatile.Write(ref _sequence, new FaultSequence(newSeed, _options.Weights, _options.Script));
        }

        _ledger.Clear();
    }

    /// <summary>Stops listening: new connections are refused until <see cref="ResumeListeningAsync"/>. Requests in
    /// flight are answered as their fault says, except hangs, which end at once (their answer is lost).</summary>
    public async Task StopListeningAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Listens again on the same port, keeping the record and the fault sequence. Another socket may hold the
    /// port for a moment (an outgoing connection that took it as its local port), so binding is retried for up to
    /// <paramref name="bindPatience"/> (<see cref="DefaultBindPatience"/>).</summary>
    /// <exception cref="IOException">The port stayed taken.</exception>
    public async Task ResumeListeningAsync(TimeSpan? bindPatience = null, CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_app is not null)
            {
                return;
            }

            var deadline = DateTime.UtcNow + (bindPatience ?? DefaultBindPatience);
            while (true)
            {
                try
                {
                    await ListenAsync(BaseAddress.Port, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops listening for good; in-flight hangs end at once.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await StopLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task<WebApplication> ListenAsync(int port, CancellationToken cancellationToken)
    {
        var stopping = new CancellationTokenSource();
        var app = LoopbackServer.Build(port, _options.ConfigureLogging);
        app.Run(context => _handler.HandleAsync(context, stopping.Token));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            stopping.Dispose();
            if (e is IOException || e.InnerException is SocketException)
            {
                throw new IOException($"127.0.0.1:{port} could not be bound: {e.Message}", e);
            }

            throw;
        }

        _appStopping = stopping;
        Volatile.Write(ref _app, app);
        return app;
    }

    private async Task StopLockedAsync()
    {
        var app = _app;
        var stopping = _appStopping;
        if (app is null || stopping is null)
        {
            return;
        }

        Volatile.Write(ref _app, null);
        _appStopping = null;
        await stopping.CancelAsync().ConfigureAwait(false);
        await LoopbackServer.StopAsync(app).ConfigureAwait(false);
        stopping.Dispose();
    }
}

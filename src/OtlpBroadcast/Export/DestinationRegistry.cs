using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Export;

/// <summary>The outcome of <see cref="DestinationRegistry.SaveAsync"/>.</summary>
public sealed record DestinationSaveResult
{
    /// <summary>Whether the destination was saved.</summary>
    public required bool Saved { get; init; }

    /// <summary>The connection test that decided it.</summary>
    public required ConnectionTestResult Test { get; init; }

    /// <summary>Why it was not saved, in words a user can act on; <see langword="null"/> when saved.</summary>
    public string? Reason { get; init; }
}

/// <summary>What a listing shows of a destination: no header value, ever.</summary>
public sealed record DestinationInfo
{
    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>The traces URL.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Header names with masked values, e.g. <c>Authorization: ***</c>.</summary>
    public required string Headers { get; init; }

    /// <summary>Whether content is withheld.</summary>
    public bool PrivacyMode { get; init; }

    /// <summary>Whether spans go there.</summary>
    public bool Enabled { get; init; }

    /// <summary>How spans are encoded: <c>http/json</c> or <c>http/protobuf</c>.</summary>
    public OtlpProtocol Protocol { get; init; }

    /// <summary>Whether request bodies are gzipped.</summary>
    public OtlpCompression Compression { get; init; }

    /// <summary>Its counters.</summary>
    public required DestinationStatistics Statistics { get; init; }

    /// <summary>The traces URL to show (in a listing, a log): without user info and query, which can carry a key
    /// (<c>?api_key=…</c>); a query shows as <c>?…</c>.</summary>
    public string DisplayEndpoint => OtlpEndpointParser.Describe(Endpoint);

    /// <summary>Everything but the endpoint's query and user info (see <see cref="DisplayEndpoint"/>).</summary>
    public override string ToString()
        => $"DestinationInfo {{ Name = {Name}, Endpoint = {DisplayEndpoint}, Headers = {Headers}, PrivacyMode = {PrivacyMode}, Enabled = {Enabled}, Protocol = {Protocol}, Compression = {Compression}, Statistics = {Statistics} }}";
}

/// <summary>
/// The configured destinations, each with its own exporter. Like the hosted product's settings page, a destination
/// is saved only after its connection test passes.
/// </summary>
public sealed class DestinationRegistry : IAsyncDisposable, IDisposable
{
    private readonly ExporterServices _services;
    private readonly Lock _lock = new();
    private volatile DestinationExporter[] _exporters = [];
    private bool _disposed;

    /// <summary>Completed when the one disposal has ended (under <see cref="_lock"/>).</summary>
    private TaskCompletionSource? _disposal;

    /// <summary>Exporters removed or replaced that are still sending what they had queued (under <see cref="_lock"/>):
    /// a disposal waits for them too.</summary>
    private readonly List<Task> _leaving = [];

    /// <summary>Creates an empty registry.</summary>
    public DestinationRegistry(ExporterServices? services = null) => _services = services ?? ExporterServices.Default;

    /// <summary>The exporters of every saved destination.</summary>
    public IReadOnlyList<DestinationExporter> Exporters => _exporters;

    /// <summary>
    /// Tests <paramref name="destination"/> and, only if the test passes, saves it (replacing a destination of the
    /// same name, whose queued spans are flushed first; see <see cref="AddAsync"/> for spans still on their way).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The registry was disposed (checked before the test is sent).</exception>
    public async Task<DestinationSaveResult> SaveAsync(OtlpDestination destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        ConnectionTestResult test = await ConnectionTester.TestAsync(destination, _services, cancellationToken).ConfigureAwait(false);
        if (!test.Success)
        {
            return new DestinationSaveResult
            {
                Saved = false,
                Test = test,
                Reason = $"Destination '{destination.Name}' was not saved because its connection test failed: {test}",
            };
        }

        await AddAsync(destination).ConfigureAwait(false);
        return new DestinationSaveResult { Saved = true, Test = test };
    }

    /// <summary>
    /// Adds a destination without a connection test, for destinations from trusted configuration (files, the
    /// OTEL_* variables) that should not hold up start-up. Replaces one of the same name: the old exporter sends what
    /// it has queued (within <see cref="DestinationExporter.DefaultShutdownTimeout"/>), then stops. Spans it did not
    /// send by then, and spans offered to it after that by a recording that read the destinations before the
    /// replacement, are queued on the new exporter (and counted there) when the new destination is enabled, sends
    /// their encoding and, for spans with content, is not in privacy mode; otherwise the old exporter drops them
    /// (<see cref="DropReason.Shutdown"/>), as after a removal.
    /// </summary>
    /// <exception cref="Configuration.OtlpConfigurationException">The services' <see cref="ExporterServices.NetworkPolicy"/>
    /// refuses the endpoint's host (an IP literal or <c>localhost</c> that is not a public address).</exception>
    /// <exception cref="ObjectDisposedException">The registry was disposed: nothing would ever stop the exporter or
    /// send what it queued.</exception>
    public async Task AddAsync(OtlpDestination destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _services.NetworkPolicy.Validate(destination);
        DestinationExporter? replaced;
        TaskCompletionSource? stopped = null;
        lock (_lock)
        {
            // Under the lock that DisposeAsync takes: an exporter is either stopped by it or never started.
            ObjectDisposedException.ThrowIf(_disposed, this);
            DestinationExporter[] current = _exporters;
            replaced = current.FirstOrDefault(e => e.Destination.Name == destination.Name);
            var exporter = new DestinationExporter(destination, _services, replaced);
            _exporters = [.. current.Where(e => e != replaced), exporter];
            if (replaced is not null)
            {
                // Linked before the old exporter starts closing (after the lock): a recording that read the list
                // before the swap and reaches the old exporter once it has stopped has its spans sent by the new one.
                replaced.ReplacedBy(exporter);
                stopped = Leaving();
            }
        }

        if (replaced is not null)
        {
            await StopLeavingAsync(replaced, stopped!).ConfigureAwait(false);
        }
    }

    /// <summary>Removes a destination after sending what it has queued. False if there is none of that name.</summary>
    public async Task<bool> RemoveAsync(string name)
    {
        DestinationExporter? removed;
        TaskCompletionSource stopped;
        lock (_lock)
        {
            DestinationExporter[] current = _exporters;
            removed = current.FirstOrDefault(e => e.Destination.Name == name);
            if (removed is null)
            {
                return false;
            }

            _exporters = [.. current.Where(e => e != removed)];
            stopped = Leaving();
        }

        await StopLeavingAsync(removed, stopped).ConfigureAwait(false);
        return true;
    }

    /// <summary>Notes, under the lock that took the exporter out of the list, that one is leaving: either a disposal
    /// finds it in the list, or it finds it here.</summary>
    private TaskCompletionSource Leaving()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _leaving.Add(stopped.Task);
        return stopped;
    }

    private async Task StopLeavingAsync(DestinationExporter exporter, TaskCompletionSource stopped)
    {
        try
        {
            await exporter.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _leaving.Remove(stopped.Task);
            }

            stopped.SetResult();
        }
    }

    /// <summary>Every destination, secrets masked.</summary>
    public IReadOnlyList<DestinationInfo> List() => [.. _exporters.Select(e => new DestinationInfo
    {
        Name = e.Destination.Name,
        Endpoint = e.Destination.Endpoint,
        Headers = e.Destination.Headers.ToString(),
        PrivacyMode = e.Destination.PrivacyMode,
        Enabled = e.Destination.Enabled,
        Protocol = e.Destination.Protocol,
        Compression = e.Destination.Compression,
        Statistics = e.GetStatistics(),
    })];

    /// <summary>The saved destination of that name, if any.</summary>
    public OtlpDestination? Find(string name) => _exporters.FirstOrDefault(e => e.Destination.Name == name)?.Destination;

    /// <summary>Sends a test trace to a saved destination, right now.</summary>
    public Task<ConnectionTestResult> SendTestTraceAsync(string name, CancellationToken cancellationToken = default)
    {
        OtlpDestination destination = Find(name) ?? throw new KeyNotFoundException($"There is no destination named '{name}'.");
        return ConnectionTester.SendTestTraceAsync(destination, _services, cancellationToken);
    }

    /// <summary>
    /// Queues an encoded span, by reference, on every enabled destination it may go to: a fragment that carries
    /// content (not <see cref="SpanFragment.ContentWithheld"/>) never goes to a destination in privacy mode. A
    /// destination whose <see cref="OtlpDestination.Encoding"/> differs from the fragment's drops it and counts it
    /// (<see cref="DropReason.WrongEncoding"/>).
    /// Use <see cref="Publish(OtlpSpan)"/> to encode the variants the destinations need.
    /// </summary>
    public void Publish(SpanFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        foreach (DestinationExporter exporter in _exporters)
        {
            if (exporter.Destination.Enabled && (fragment.ContentWithheld || !exporter.Destination.PrivacyMode))
            {
                exporter.TryEnqueue(fragment);
            }
        }
    }

    /// <summary>
    /// Encodes a span once per variant some enabled destination needs (per encoding, JSON or protobuf; with content,
    /// and with content withheld for privacy mode) and queues each variant, by reference, on the destinations it
    /// belongs to.
    /// </summary>
    public void Publish(OtlpSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        DestinationExporter[] exporters = _exporters;

        // One slot per (encoding, privacy) variant: index = encoding * 2 + (withheld ? 1 : 0).
        var variants = new SpanFragment?[4];
        try
        {
            foreach (DestinationExporter exporter in exporters)
            {
                if (!exporter.Destination.Enabled)
                {
                    continue;
                }

                SpanEncoding encoding = exporter.Destination.Encoding;
                bool withheld = exporter.Destination.PrivacyMode;
                int slot = ((int)encoding * 2) + (withheld ? 1 : 0);
                SpanFragment fragment = variants[slot] ??= SpanEnvelopes.Encode(encoding, span, includeContent: !withheld);
                exporter.TryEnqueue(fragment);
            }
        }
        finally
        {
            foreach (SpanFragment? variant in variants)
            {
                variant?.Release();
            }
        }
    }

    /// <summary>Flushes every destination; true when all were flushed within the timeout
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: without one).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not
    /// <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // Checked here too, so that a registry without destinations refuses the same timeouts as one with some.
        DestinationExporter.ValidateTimeout(timeout);
        bool[] results = await Task.WhenAll(_exporters.Select(e => e.FlushAsync(timeout, cancellationToken))).ConfigureAwait(false);
        return results.All(r => r);
    }

    /// <summary>Flushes and stops every exporter, blocking; for containers and callers that dispose synchronously.
    /// Prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();

    /// <summary>Flushes and stops every exporter, and waits for those removed or replaced that are still sending;
    /// destinations can no longer be added. A later or concurrent call returns when that disposal has ended.</summary>
    public async ValueTask DisposeAsync()
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource? first;
        DestinationExporter[] exporters = [];
        Task[] leaving = [];
        lock (_lock)
        {
            first = _disposal;
            if (first is null)
            {
                _disposal = mine;
                _disposed = true;
                exporters = _exporters;
                _exporters = [];
                leaving = [.. _leaving];
            }
        }

        if (first is not null)
        {
            await first.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            await Task.WhenAll(exporters.Select(e => e.DisposeAsync().AsTask()).Concat(leaving)).ConfigureAwait(false);
        }
        finally
        {
            mine.SetResult();
        }
    }
}

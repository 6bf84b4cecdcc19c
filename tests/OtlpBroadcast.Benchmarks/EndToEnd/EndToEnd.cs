using System.Diagnostics;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 3: spans per second and CPU per span from recording to bytes accepted by a loopback receiver (in a
/// child process), batching on (512 spans, 100 ms), for this SDK (JSON without and with gzip, and protobuf, the wire
/// format OpenTelemetry .NET sends) and for OpenTelemetry .NET (protobuf; its OTLP exporter has no compression
/// option). CPU is this process's <see cref="Process.TotalProcessorTime"/> over the run, divided by the spans sent.
/// </summary>
internal static class EndToEnd
{
    private const int SpansPerTree = 3;

    /// <summary>Full-size runs before the measured ones, for each contender: at least this many, and for at least
    /// <see cref="WarmUpTime"/> (tiered compilation moves hot code to its final tier over seconds, not runs).</summary>
    private const int WarmUpRuns = 3;

    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(8);

    public static async Task RunAsync(bool quick, string? only = null)
    {
        int trees = quick ? 5_000 : 20_000;
        int runs = quick ? 3 : 7;
        SpanTreeFixture fixture = SpanTreeFixture.For(ContentCase.Content2KB);
        using Process receiver = StartReceiver(out Uri endpoint);
        try
        {
            Console.WriteLine($"End to end: {trees} span trees ({trees * SpansPerTree} spans) per run, {runs} run(s), content {fixture.Content}, receiver {endpoint}");
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, load {LoadAverage()}");
            var results = new List<(string Name, Measurement Median)>();
            foreach ((string name, Func<IPipeline> create) in new (string, Func<IPipeline>)[]
            {
                ("OpenTelemetry .NET (protobuf)", () => new OpenTelemetryPipeline(endpoint, fixture, trees)),
                ("OtlpBroadcast (JSON)", () => new SdkPipeline(endpoint, fixture, trees, OtlpProtocol.HttpJson, OtlpCompression.None)),
                ("OtlpBroadcast (JSON, gzip)", () => new SdkPipeline(endpoint, fixture, trees, OtlpProtocol.HttpJson, OtlpCompression.Gzip)),
                ("OtlpBroadcast (protobuf)", () => new SdkPipeline(endpoint, fixture, trees, OtlpProtocol.HttpProtobuf, OtlpCompression.None)),
            }.Where(c => only is null || c.Item1.StartsWith("OpenTelemetry", StringComparison.Ordinal) || c.Item1.Contains(only, StringComparison.OrdinalIgnoreCase)))
            {
                // One pipeline per contender for all its runs, as a service keeps one. Warm-up runs first: JIT
                // (tiered compilation takes seconds of CPU on this machine to settle; with a warm-up of a tenth of a
                // run, the compiler's thread took about a quarter of the measured CPU of both contenders),
                // connections, and the SDK's fragment pool, which keeps what a burst of this size needs.
                await using IPipeline pipeline = create();
                long warmUpStart = Stopwatch.GetTimestamp();
                for (int i = 0; i < WarmUpRuns || Stopwatch.GetElapsedTime(warmUpStart) < WarmUpTime; i++)
                {
                    await MeasureAsync(trees, pipeline).ConfigureAwait(false);
                }

                var measured = new List<Measurement>();
                for (int i = 0; i < runs; i++)
                {
                    measured.Add(await MeasureAsync(trees, pipeline).ConfigureAwait(false));
                }

                Measurement median = measured.OrderBy(m => m.CpuPerSpan).ElementAt(measured.Count / 2);
                results.Add((name, median));
            }

            double baseline = results[0].Median.CpuPerSpan.TotalMicroseconds;
            Console.WriteLine();
            Console.WriteLine("| Contender | Spans/s | CPU per span (µs) | CPU ratio to OpenTelemetry .NET | Target (≤ 0.33) |");
            Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
            foreach ((string name, Measurement m) in results)
            {
                double ratio = m.CpuPerSpan.TotalMicroseconds / baseline;
                string target = name.StartsWith("OpenTelemetry", StringComparison.Ordinal) ? "baseline" : ratio <= 1.0 / 3 ? "met" : "not met";
                Console.WriteLine($"| {name} | {m.SpansPerSecond:N0} | {m.CpuPerSpan.TotalMicroseconds:F2} | {ratio:F2} | {target} |");
            }
        }
        finally
        {
            receiver.StandardInput.Close();
            if (!receiver.WaitForExit(5000))
            {
                receiver.Kill();
            }
        }
    }

    private static async Task<Measurement> MeasureAsync(int trees, IPipeline pipeline)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        await pipeline.RecordAndFlushAsync(trees).ConfigureAwait(false);
        TimeSpan wall = Stopwatch.GetElapsedTime(start);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        int spans = trees * SpansPerTree;
        return new Measurement(spans / wall.TotalSeconds, cpu / spans);
    }

    /// <summary>A contender's telemetry pipeline, kept for all its runs.</summary>
    private interface IPipeline : IAsyncDisposable
    {
        /// <summary>Records <paramref name="trees"/> span trees as fast as it can, then waits until every span was
        /// accepted by the receiver.</summary>
        Task RecordAndFlushAsync(int trees);
    }

    private sealed class SdkPipeline : IPipeline
    {
        private readonly DestinationRegistry _registry = new();
        private readonly GenerationBroadcaster _broadcaster;
        private readonly SpanTreeFixture _fixture;

        public SdkPipeline(Uri endpoint, SpanTreeFixture fixture, int trees, OtlpProtocol protocol, OtlpCompression compression)
        {
            _fixture = fixture;
            _registry.AddAsync(OtlpDestination.Create(new OtlpDestinationOptions
            {
                Name = "loopback",
                Endpoint = endpoint.AbsoluteUri,
                Protocol = protocol,
                Compression = compression,
                MaxQueueSize = trees * SpansPerTree,
                MaxExportBatchSize = 512,
                ScheduledDelay = TimeSpan.FromMilliseconds(100),
            })).GetAwaiter().GetResult();
            _broadcaster = new GenerationBroadcaster(_registry);
        }

        public async Task RecordAndFlushAsync(int trees)
        {
            long exportedBefore = _registry.List()[0].Statistics.Exported;
            for (int i = 0; i < trees; i++)
            {
                GenerationRecording<ChatCompletionRequest> recording = _broadcaster.StartChat(_fixture.Request, provider: SpanTreeFixture.Provider);
                recording.AddAttempt(_fixture.Attempt);
                recording.CompleteChat(_fixture.Response, _fixture.Cost);
            }

            if (!await _registry.FlushAsync(TimeSpan.FromSeconds(120)).ConfigureAwait(false))
            {
                throw new TimeoutException("The SDK did not deliver every span in time.");
            }

            DestinationStatistics statistics = _registry.List()[0].Statistics;
            if (statistics.Exported - exportedBefore != trees * SpansPerTree)
            {
                throw new InvalidOperationException($"Expected {trees * SpansPerTree} more spans delivered, got {statistics}.");
            }
        }

        public ValueTask DisposeAsync() => _registry.DisposeAsync();
    }

    private sealed class OpenTelemetryPipeline(Uri endpoint, SpanTreeFixture fixture, int trees) : IPipeline
    {
        private readonly OpenTelemetrySpanTree _openTelemetry = new(endpoint, maxQueueSize: trees * SpansPerTree);

        public Task RecordAndFlushAsync(int trees)
        {
            for (int i = 0; i < trees; i++)
            {
                _openTelemetry.Record(fixture);
            }

            if (!_openTelemetry.Flush(120_000))
            {
                throw new TimeoutException("OpenTelemetry .NET did not deliver every span in time.");
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _openTelemetry.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static Process StartReceiver(out Uri endpoint)
    {
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(EndToEnd).Assembly.Location);
        }

        start.ArgumentList.Add("--receiver");
        Process process = Process.Start(start)!;
        endpoint = new Uri(process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The receiver did not start."));
        return process;
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private readonly record struct Measurement(double SpansPerSecond, TimeSpan CpuPerSpan);
}

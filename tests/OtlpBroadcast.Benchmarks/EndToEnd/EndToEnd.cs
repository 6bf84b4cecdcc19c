using System.Diagnostics;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 3: spans per second and CPU per span from recording to bytes accepted by a loopback receiver (in a
/// child process), batching on (512 spans, 100 ms), for this SDK (JSON without and with gzip, and protobuf, the wire
/// format OpenTelemetry .NET sends) and for OpenTelemetry .NET (protobuf; its OTLP exporter has no compression
/// option). CPU is this process's CPU time over the run (<see cref="ThreadCpuClock.ProcessCpuTime"/>), divided by the spans sent;
/// allocation is <see cref="GC.GetTotalAllocatedBytes"/> over the run, divided the same way. The contenders take turns,
/// one run each per round, and each ratio is paired with OpenTelemetry .NET's run of the same round.
/// </summary>
internal static class EndToEnd
{
    private const int SpansPerTree = 3;

    /// <summary>Warm-up rounds (one full-size run of each contender, in turn) before the measured ones: at least this
    /// many, for at least <see cref="WarmUpTime"/>, and until a round in which the JIT compiled for less than
    /// <see cref="QuietJitShare"/> of the process's CPU. Tiered compilation moves hot code to its final tier over seconds,
    /// not runs, and the compiler's thread counts in the CPU of whichever contender is running.</summary>
    private const int WarmUpRounds = 3;

    private const double QuietJitShare = 0.01;

    private const int QuietRounds = 3;

    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(8);

    /// <summary>When the JIT never goes quiet, the measured rounds start anyway after this long (the warm-up line says
    /// so).</summary>
    private static readonly TimeSpan MaxWarmUpTime = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(bool quick, string? only = null)
    {
        int trees = quick ? 5_000 : 20_000;
        int runs = quick ? 9 : 15;
        SpanTreeFixture fixture = SpanTreeFixture.For(ContentCase.Content2KB);
        using Process receiver = StartReceiver(out Uri endpoint);
        try
        {
            Console.WriteLine($"End to end: {trees} span trees ({trees * SpansPerTree} spans) per run, {runs} run(s), content {fixture.Content}, receiver {endpoint}");
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, load {LoadAverage()}");
            var contenders = new List<(string Name, IPipeline Pipeline)>();
            try
            {
                foreach ((string name, Func<IPipeline> create) in new (string, Func<IPipeline>)[]
                {
                    ("OpenTelemetry .NET (protobuf)", () => new OpenTelemetryPipeline(endpoint, fixture, trees)),
                    ("OtlpBroadcast (JSON)", () => new SdkPipeline(endpoint, fixture, trees, OtlpProtocol.HttpJson, OtlpCompression.None)),
                    ("OtlpBroadcast (JSON, gzip)", () => new SdkPipeline(endpoint, fixture, trees, OtlpProtocol.HttpJson, OtlpCompression.Gzip)),
                    ("OtlpBroadcast (protobuf)", () => new SdkPipeline(endpoint, fixture, trees, OtlpProtocol.HttpProtobuf, OtlpCompression.None)),
                    ("OtlpBroadcast (JSON, thread pool)", () => new SdkPipeline(endpoint, fixture, trees, OtlpProtocol.HttpJson, OtlpCompression.None, dedicatedThreads: false)),
                }.Where(c => only is null || c.Item1.StartsWith("OpenTelemetry", StringComparison.Ordinal) || c.Item1.Contains(only, StringComparison.OrdinalIgnoreCase)))
                {
                    contenders.Add((name, create()));
                }

                // One pipeline per contender for all its runs, as a service keeps one. Warm-up rounds first: JIT
                // (with a warm-up of a tenth of a run, the compiler's thread took about a quarter of the measured CPU of
                // both contenders), connections, and the SDK's fragment pool, which keeps what a burst of this size needs.
                long warmUpStart = Stopwatch.GetTimestamp();
                int warmUpRounds = 0;
                int quiet = 0;
                double jitShare;
                do
                {
                    (_, jitShare) = await RoundAsync(trees, contenders, warmUpRounds).ConfigureAwait(false);
                    warmUpRounds++;
                    quiet = jitShare < QuietJitShare ? quiet + 1 : 0;
                }
                while ((warmUpRounds < WarmUpRounds || Stopwatch.GetElapsedTime(warmUpStart) < WarmUpTime || quiet < QuietRounds)
                    && Stopwatch.GetElapsedTime(warmUpStart) < MaxWarmUpTime);

                string cut = quiet < QuietRounds ? $" (cut at {MaxWarmUpTime.TotalSeconds:F0} s before the JIT was quiet)" : string.Empty;
                Console.WriteLine($"Warm-up: {warmUpRounds} rounds in {Stopwatch.GetElapsedTime(warmUpStart).TotalSeconds:F0} s{cut}; the JIT took {jitShare:P1} of the CPU in the last one");

                // Rounds: each contender runs once per round, in turn (see RoundAsync), so that what the machine does meanwhile (its
                // speed moves 1.5-2x over minutes here) falls on all of them alike. A contender's ratio is the median
                // of its per-round ratios to OpenTelemetry .NET's run of the same round.
                var measured = contenders.Select(_ => new List<Measurement>()).ToArray();
                TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime();
                TimeSpan cpuBefore = ThreadCpuClock.ProcessCpuTime();
                for (int round = 0; round < runs; round++)
                {
                    (Measurement[] results, _) = await RoundAsync(trees, contenders, round).ConfigureAwait(false);
                    for (int c = 0; c < contenders.Count; c++)
                    {
                        measured[c].Add(results[c]);
                    }
                }

                double measuredJitShare = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore) / (ThreadCpuClock.ProcessCpuTime() - cpuBefore);
                Console.WriteLine($"JIT during the measured rounds: {measuredJitShare:P2} of the CPU");
                Console.WriteLine();
                for (int c = 0; c < contenders.Count; c++)
                {
                    Console.WriteLine($"{contenders[c].Name}: CPU per span by round (µs): {string.Join(", ", measured[c].Select(m => m.CpuMicrosecondsPerSpan.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
                }

                Console.WriteLine();
                Console.WriteLine("| Contender | Spans/s | CPU per span (µs) | CPU ratio to OpenTelemetry .NET (median of rounds; range) | Target (≤ 0.33) | Allocated per span (B) |");
                Console.WriteLine("| --- | ---: | ---: | ---: | --- | ---: |");
                for (int c = 0; c < contenders.Count; c++)
                {
                    Measurement median = Median(measured[c], m => m.CpuMicrosecondsPerSpan);
                    double[] ratios = measured[c].Zip(measured[0], (m, baseline) => m.CpuMicrosecondsPerSpan / baseline.CpuMicrosecondsPerSpan).Order().ToArray();
                    double ratio = ratios[ratios.Length / 2];
                    bool isBaseline = c == 0;
                    string target = isBaseline ? "baseline" : ratio <= 1.0 / 3 ? "met" : "not met";
                    string ratioText = isBaseline ? "1.00" : $"{ratio:F2} ({ratios[0]:F2}-{ratios[^1]:F2})";
                    Console.WriteLine($"| {contenders[c].Name} | {median.SpansPerSecond:N0} | {median.CpuMicrosecondsPerSpan:F2} | {ratioText} | {target} | {median.AllocatedPerSpan:N0} |");
                }
            }
            finally
            {
                foreach ((_, IPipeline pipeline) in contenders)
                {
                    await pipeline.DisposeAsync().ConfigureAwait(false);
                }
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

    /// <summary>One run of each contender, in turn, the first one moving on by one each <paramref name="round"/> so that
    /// what a run leaves behind (work of its threads that ends after it, a collection it made due) falls on each contender
    /// alike; with the share of the round's CPU the JIT took. The results are in the contenders' order.</summary>
    private static async Task<(Measurement[] Results, double JitShare)> RoundAsync(int trees, List<(string Name, IPipeline Pipeline)> contenders, int round)
    {
        TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        TimeSpan cpuBefore = ThreadCpuClock.ProcessCpuTime();
        var results = new Measurement[contenders.Count];
        for (int i = 0; i < contenders.Count; i++)
        {
            int c = (round + i) % contenders.Count;
            results[c] = await MeasureAsync(trees, contenders[c].Pipeline).ConfigureAwait(false);
        }

        return (results, (System.Runtime.JitInfo.GetCompilationTime() - jitBefore) / (ThreadCpuClock.ProcessCpuTime() - cpuBefore));
    }

    private static Measurement Median(List<Measurement> measured, Func<Measurement, double> by)
        => measured.OrderBy(by).ElementAt(measured.Count / 2);

    private static async Task<Measurement> MeasureAsync(int trees, IPipeline pipeline)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TimeSpan cpuBefore = ThreadCpuClock.ProcessCpuTime();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        await pipeline.RecordAndFlushAsync(trees).ConfigureAwait(false);
        TimeSpan wall = Stopwatch.GetElapsedTime(start);
        TimeSpan cpu = ThreadCpuClock.ProcessCpuTime() - cpuBefore;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        int spans = trees * SpansPerTree;
        return new Measurement(spans / wall.TotalSeconds, cpu.TotalMicroseconds / spans, (double)allocated / spans);
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
        private readonly DestinationRegistry _registry;
        private readonly GenerationBroadcaster _broadcaster;
        private readonly SpanTreeFixture _fixture;

        /// <param name="dedicatedThreads">The exporter on a thread of its own, sending synchronously (the default), or
        /// on the thread pool, sending asynchronously (<see cref="ExporterServices.MaxDedicatedExportThreads"/> 0).</param>
        public SdkPipeline(Uri endpoint, SpanTreeFixture fixture, int trees, OtlpProtocol protocol, OtlpCompression compression, bool dedicatedThreads = true)
        {
            _fixture = fixture;
            _registry = new DestinationRegistry(new ExporterServices { MaxDedicatedExportThreads = dedicatedThreads ? 1 : 0 });
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

    private readonly record struct Measurement(double SpansPerSecond, double CpuMicrosecondsPerSpan, double AllocatedPerSpan);
}

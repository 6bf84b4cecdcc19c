using System.Diagnostics;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 3: spans per second and CPU per span from recording to bytes accepted by a loopback receiver (in a
/// child process), batching on (512 spans, 100 ms), for this SDK without and with gzip and for OpenTelemetry .NET
/// (protobuf; its OTLP exporter has no compression option). CPU is this process's
/// <see cref="Process.TotalProcessorTime"/> over the run, divided by the spans sent.
/// </summary>
internal static class EndToEnd
{
    private const int SpansPerTree = 3;

    public static async Task RunAsync(bool quick)
    {
        int trees = quick ? 5_000 : 20_000;
        int runs = quick ? 1 : 3;
        SpanTreeFixture fixture = SpanTreeFixture.For(ContentCase.Content2KB);
        using Process receiver = StartReceiver(out Uri endpoint);
        try
        {
            Console.WriteLine($"End to end: {trees} span trees ({trees * SpansPerTree} spans) per run, {runs} run(s), content {fixture.Content}, receiver {endpoint}");
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, load {LoadAverage()}");
            var results = new List<(string Name, Measurement Median)>();
            foreach ((string name, Func<int, Task<Measurement>> run) in new (string, Func<int, Task<Measurement>>)[]
            {
                ("OpenTelemetry .NET (protobuf)", n => RunOpenTelemetryAsync(endpoint, fixture, n)),
                ("OtlpBroadcast (JSON)", n => RunSdkAsync(endpoint, fixture, n, OtlpCompression.None)),
                ("OtlpBroadcast (JSON, gzip)", n => RunSdkAsync(endpoint, fixture, n, OtlpCompression.Gzip)),
            })
            {
                await run(trees / 10).ConfigureAwait(false); // warm-up: JIT, connections, pools
                var measured = new List<Measurement>();
                for (int i = 0; i < runs; i++)
                {
                    measured.Add(await run(trees).ConfigureAwait(false));
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

    private static async Task<Measurement> RunSdkAsync(Uri endpoint, SpanTreeFixture f, int trees, OtlpCompression compression)
    {
        await using var registry = new DestinationRegistry();
        await registry.AddAsync(OtlpDestination.Create(new OtlpDestinationOptions
        {
            Name = "loopback",
            Endpoint = endpoint.AbsoluteUri,
            Compression = compression,
            MaxQueueSize = trees * SpansPerTree,
            MaxExportBatchSize = 512,
            ScheduledDelay = TimeSpan.FromMilliseconds(100),
        })).ConfigureAwait(false);
        var broadcaster = new GenerationBroadcaster(registry);

        Measurement measurement = await MeasureAsync(trees, async () =>
        {
            for (int i = 0; i < trees; i++)
            {
                GenerationRecording<ChatCompletionRequest> recording = broadcaster.StartChat(f.Request, provider: SpanTreeFixture.Provider);
                recording.AddAttempt(f.Attempt);
                recording.CompleteChat(f.Response, f.Cost);
            }

            if (!await registry.FlushAsync(TimeSpan.FromSeconds(120)).ConfigureAwait(false))
            {
                throw new TimeoutException("The SDK did not deliver every span in time.");
            }
        }).ConfigureAwait(false);

        DestinationStatistics statistics = registry.List()[0].Statistics;
        if (statistics.Exported != trees * SpansPerTree)
        {
            throw new InvalidOperationException($"Expected {trees * SpansPerTree} spans delivered, got {statistics}.");
        }

        return measurement;
    }

    private static async Task<Measurement> RunOpenTelemetryAsync(Uri endpoint, SpanTreeFixture f, int trees)
    {
        using var openTelemetry = new OpenTelemetrySpanTree(endpoint, maxQueueSize: trees * SpansPerTree);
        return await MeasureAsync(trees, () =>
        {
            for (int i = 0; i < trees; i++)
            {
                openTelemetry.Record(f);
            }

            if (!openTelemetry.Flush(120_000))
            {
                throw new TimeoutException("OpenTelemetry .NET did not deliver every span in time.");
            }

            return Task.CompletedTask;
        }).ConfigureAwait(false);
    }

    private static async Task<Measurement> MeasureAsync(int trees, Func<Task> work)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        await work().ConfigureAwait(false);
        TimeSpan wall = Stopwatch.GetElapsedTime(start);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        int spans = trees * SpansPerTree;
        return new Measurement(spans / wall.TotalSeconds, cpu / spans);
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

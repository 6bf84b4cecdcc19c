using BenchmarkDotNet.Attributes;
using OtlpBroadcast.Export;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 2: what the caller pays on the request path to record one generation (start, one attempt, complete),
/// with one, three and ten destinations, privacy alternating off and on (off, on, off, on, …). The exporters run
/// as in production, sending to an in-process handler in the background; that work is not on the request path.
/// </summary>
[MemoryDiagnoser]
public class RecordingBenchmarks
{
    private readonly AcceptingHandler _handler = new();
    private DestinationRegistry _registry = null!;
    private GenerationBroadcaster _broadcaster = null!;
    private SpanTreeFixture _fixture = null!;

    [Params(1, 3, 10)]
    public int Destinations { get; set; }

    [Params(ContentCase.Content2KB)]
    public ContentCase Content { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = SpanTreeFixture.For(Content);
        _registry = new DestinationRegistry(ExporterServices.WithHandler(_handler));
        for (int i = 0; i < Destinations; i++)
        {
            var options = new OtlpDestinationOptions
            {
                Name = "destination-" + i,
                Endpoint = "http://127.0.0.1:4318/v1/traces",
                PrivacyMode = i % 2 == 1,
                MaxQueueSize = 64 * 1024,
                ScheduledDelay = TimeSpan.FromMilliseconds(200),
            };
            _registry.AddAsync(OtlpDestination.Create(options)).GetAwaiter().GetResult();
        }

        _broadcaster = new GenerationBroadcaster(_registry);
        ReportRequestThreadAllocation();
    }

    /// <summary>
    /// BenchmarkDotNet's "Allocated" column counts what every thread of the process allocated during the benchmark,
    /// the exporters' background sending (HTTP) included. What the request path allocates, the target of issue 7,
    /// is counted here on the benchmark thread alone, in steady state, exporters running.
    /// </summary>
    private void ReportRequestThreadAllocation()
    {
        const int WarmUp = 5_000;
        const int Counted = 20_000;
        for (int i = 0; i < WarmUp; i++)
        {
            Record();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Counted; i++)
        {
            Record();
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"// request thread, {Destinations} destination(s): {bytes} B allocated over {Counted:N0} recordings ({(double)bytes / Counted:0.##} B per recording)");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _registry.FlushAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        foreach (DestinationInfo info in _registry.List())
        {
            Console.WriteLine($"// {info.Name}: {info.Statistics}");
        }

        Console.WriteLine($"// broadcaster: {_broadcaster.GetStatistics()}");
        _registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "Record one generation (request path)")]
    public void Record()
    {
        GenerationRecording<ChatCompletionRequest> recording = _broadcaster.StartChat(_fixture.Request, provider: SpanTreeFixture.Provider);
        recording.AddAttempt(_fixture.Attempt);
        recording.CompleteChat(_fixture.Response, _fixture.Cost);
    }
}

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

    /// <summary>The broadcaster's switch (on by default): with privacy mixed, whether the span without content is cut
    /// from the span with content or encoded again (<see cref="PrivacyMixBenchmarks"/> compares the two).</summary>
    public bool DeriveSpansWithoutContent { get; set; } = true;

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

        _broadcaster = new GenerationBroadcaster(_registry) { DeriveSpansWithoutContent = DeriveSpansWithoutContent };
        ReportRequestThreadAllocation();
    }

    /// <summary>
    /// BenchmarkDotNet's "Allocated" column counts what every thread of the process allocated during the benchmark,
    /// the exporters' background sending (HTTP) included. What the request path allocates, the target of issue 7,
    /// is counted here on the benchmark thread alone, exporters running, in rounds of 10,000 recordings until three
    /// rounds in a row allocate nothing (steady state) or 40 rounds passed. Until then the queues and the fragment
    /// pool grow to the most spans they have had in flight, which depends on how often the exporters' threads got a
    /// core: the rounds show how long that took.
    /// </summary>
    private void ReportRequestThreadAllocation()
    {
        const int Round = 10_000;
        var rounds = new List<long>();
        int quiet = 0;
        while (quiet < 3 && rounds.Count < 40)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Round; i++)
            {
                Record();
            }

            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            rounds.Add(bytes);
            quiet = bytes == 0 ? quiet + 1 : 0;
        }

        Console.WriteLine($"// request thread, {Destinations} destination(s), bytes allocated per round of {Round:N0} recordings: {string.Join(", ", rounds)}");
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

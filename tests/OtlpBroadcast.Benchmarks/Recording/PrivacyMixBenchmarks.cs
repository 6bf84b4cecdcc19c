using BenchmarkDotNet.Attributes;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// Benchmark 2b: benchmark 2's three destinations (privacy off, on, off) with the privacy-mode generation span cut
/// from the span with content (the default) and encoded again, side by side in one run.
/// </summary>
[MemoryDiagnoser]
public class PrivacyMixBenchmarks
{
    private readonly RecordingBenchmarks _recording = new() { Destinations = 3, Content = ContentCase.Content2KB };

    [Params(true, false)]
    public bool DeriveSpansWithoutContent { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _recording.DeriveSpansWithoutContent = DeriveSpansWithoutContent;
        _recording.Setup();
    }

    [GlobalCleanup]
    public void Cleanup() => _recording.Cleanup();

    [Benchmark(Description = "Record one generation, 3 destinations (request path)")]
    public void Record() => _recording.Record();
}

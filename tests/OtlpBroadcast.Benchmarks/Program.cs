using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- [--quick] [--wall-clock] [BenchmarkDotNet arguments, e.g. --filter *Encoding*]</c>
/// (times are the benchmark thread's CPU time unless <c>--wall-clock</c>);
/// <c>-- --check</c> only checks that the JSON contenders write identical bytes and that the protobuf contenders carry
/// the same spans;
/// <c>-- --end-to-end [--quick] [--only text]</c> runs the throughput and CPU-per-span comparison (benchmark 3), with
/// <c>--only</c> for OpenTelemetry .NET and the contenders whose name contains the text (to profile one of them).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        bool wallClock = args.Contains("--wall-clock") || !ThreadCpuClock.Instance.IsAvailable;
        string[] rest = [.. args.Where(a => a is not ("--quick" or "--wall-clock"))];
        if (rest is ["--check", ..])
        {
            foreach (ContentCase content in Enum.GetValues<ContentCase>())
            {
                FairnessCheck.AssertSameBytes(SpanTreeFixture.For(content));
                Console.WriteLine($"{content}: every JSON contender writes the SDK's {SdkSpanTreeEncoder.EncodeToArray(SpanTreeFixture.For(content)).Length + 2} bytes");
                ProtobufFairnessCheck.AssertSameSpans(SpanTreeFixture.For(content));
                Console.WriteLine($"{content}: the SDK's protobuf request decodes to the spans of its JSON request, OpenTelemetry .NET's to the same attributes");
            }

            return 0;
        }

        if (rest is ["--generator-probe", ..])
        {
            GeneratorBenchmarks.Probe();
            return 0;
        }

        if (rest is ["--receiver", ..])
        {
            await LoopbackReceiver.RunAsync().ConfigureAwait(false);
            return 0;
        }

        if (rest is ["--end-to-end", ..])
        {
            // --only <text>: only the contenders whose name contains the text (OpenTelemetry .NET always runs: it is
            // the baseline of the ratios), e.g. --only protobuf, to profile one of them.
            int only = Array.IndexOf(rest, "--only");
            string? contender = only >= 0 && only + 1 < rest.Length ? rest[only + 1] : null;
            await EndToEnd.RunAsync(quick, contender).ConfigureAwait(false);
            return 0;
        }

        // In-process: no per-benchmark project build, which on a shared 2-core machine takes minutes.
        Job job = (quick ? Job.ShortRun.WithWarmupCount(3).WithIterationCount(5) : Job.Default)
            // The in-process toolchain gives up on a benchmark after 5 minutes of wall time by default; on a loaded
            // 2-core machine the full job of one case can take longer than that (its CPU time stays the same).
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true));
        if (!wallClock)
        {
            // Thread CPU time, not wall time: other processes' load then barely moves the numbers (see ThreadCpuClock).
            job = job.WithClock(ThreadCpuClock.Instance);
        }

        IConfig config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median)
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
        return 0;
    }
}

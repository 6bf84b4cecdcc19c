using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- [--quick] [BenchmarkDotNet arguments, e.g. --filter *Encoding*]</c>;
/// <c>-- --check</c> only checks that the JSON contenders write identical bytes;
/// <c>-- --end-to-end [--quick]</c> runs the throughput and CPU-per-span comparison (benchmark 3).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        string[] rest = [.. args.Where(a => a != "--quick")];
        if (rest is ["--check", ..])
        {
            foreach (ContentCase content in Enum.GetValues<ContentCase>())
            {
                FairnessCheck.AssertSameBytes(SpanTreeFixture.For(content));
                Console.WriteLine($"{content}: every JSON contender writes the SDK's {SdkSpanTreeEncoder.EncodeToArray(SpanTreeFixture.For(content)).Length + 2} bytes");
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
            await EndToEnd.RunAsync(quick).ConfigureAwait(false);
            return 0;
        }

        // In-process: no per-benchmark project build, which on a shared 2-core machine takes minutes.
        Job job = (quick ? Job.ShortRun.WithWarmupCount(3).WithIterationCount(5) : Job.Default)
            .WithToolchain(InProcessEmitToolchain.Instance);
        IConfig config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median)
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
        return 0;
    }
}

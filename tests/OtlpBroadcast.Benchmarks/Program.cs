using BenchmarkDotNet.Running;

namespace OtlpBroadcast.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--check", ..])
        {
            foreach (ContentCase content in Enum.GetValues<ContentCase>())
            {
                FairnessCheck.AssertSameBytes(SpanTreeFixture.For(content));
                Console.WriteLine($"{content}: every JSON contender writes the SDK's {SdkSpanTreeEncoder.EncodeToArray(SpanTreeFixture.For(content)).Length + 2} bytes");
            }

            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

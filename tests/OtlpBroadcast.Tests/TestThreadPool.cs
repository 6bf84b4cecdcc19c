using System.Runtime.CompilerServices;

namespace OtlpBroadcast.Tests;

/// <summary>
/// Lets the thread pool start threads at once for this test process. Test classes run side by side on two cores, and
/// some block a pool thread on purpose (a handler held at a gate, a synchronous send); with the default minimum the
/// pool adds a thread about once a second, and twice in CI an exporter's loop or an HttpClient's connection waited
/// so long for one (over 5 s, then over 10 s) that a test timed out: DisposeWaitsForADestinationRemovedOrReplacedMeanwhileToStop
/// (its flush gave up before the send, so the span went to the replacement) and AbortResetsTheConnectionWithoutAnswer.
/// What the tests measure does not depend on how soon the pool grows.
/// </summary>
internal static class TestThreadPool
{
#pragma warning disable CA2255 // A test assembly, loaded by the test host only: the setting is for this process.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Widen()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completionPorts, 32));
    }
}

namespace OtlpBroadcast.Tests.GenAi;

/// <summary>
/// The broadcast integration tests encode and release thousands of spans. Run beside the allocation tests, they grow
/// the shared fragment pool under them (a new queue segment lands on whichever thread enqueues), so they run on their
/// own, after the parallel collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BroadcastCollection
{
    public const string Name = "Broadcast (not parallel)";
}

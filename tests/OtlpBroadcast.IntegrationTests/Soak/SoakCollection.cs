namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// Load and fault tests run alone, after every parallel test of the assembly: they count the process's threads and
/// measure its memory, and other tests' work would blur both.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Soak (alone)";
}

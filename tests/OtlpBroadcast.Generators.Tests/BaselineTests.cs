namespace OtlpBroadcast.Generators.Tests;

public class BaselineTests
{
    [Fact]
    public void ChatRequestAndResponse()
        => Baseline.Verify(nameof(ChatRequestAndResponse), TestCompilation.RunClean(Sources.Chat));

    [Fact]
    public void EveryScalarAndCollectionType()
        => Baseline.Verify(nameof(EveryScalarAndCollectionType), TestCompilation.RunClean(Sources.Scalars));
}

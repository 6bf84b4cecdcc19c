using static OtlpBroadcast.Generators.FunctionalTests.AttributeJson;

namespace OtlpBroadcast.Generators.FunctionalTests;

public class InheritanceTests
{
    [Fact]
    public void DerivedTypeWritesBaseMembersThenItsOwn()
    {
        var response = new StreamedChatResponse { Id = "r-1", ChunkCount = 3 };

        Assert.Equal(Array(S("gen_ai.response.id", "r-1"), I("gateway.chunk_count", 3)), Write(response, includeContent: true));
    }

    [Fact]
    public void CallsThroughTheInterfaceReachTheDerivedWriter()
    {
        ChatResponse response = new StreamedChatResponse { Id = "r-1", ChunkCount = 3 };

        // Generic code (the SDK's own) sees the static type only; the interface re-implementation picks the derived writer.
        Assert.Equal(Array(S("gen_ai.response.id", "r-1"), I("gateway.chunk_count", 3)), Write(response, includeContent: true));
    }
}

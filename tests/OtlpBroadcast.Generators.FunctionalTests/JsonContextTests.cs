using System.Text.Json;
using System.Text.Json.Nodes;

namespace OtlpBroadcast.Generators.FunctionalTests;

public class JsonContextTests
{
    [Fact]
    public void ReflectionBasedSerialisationIsDisabledInThisProject()
        => Assert.False(JsonSerializer.IsReflectionEnabledByDefault);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SerializeWithContextWritesTheSameKeyValueArrayAsTheSink(bool includeContent)
    {
        ChatRequest request = Samples.Request();
        OtlpAttributesJsonContext context = includeContent ? OtlpAttributesJsonContext.Default : OtlpAttributesJsonContext.ContentWithheld;

        string serialized = JsonSerializer.Serialize(request, context.ChatRequest);

        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(AttributeJson.Write(request, includeContent)), JsonNode.Parse(serialized)),
            serialized);
        Assert.Equal(includeContent, serialized.Contains("gen_ai.input.messages", StringComparison.Ordinal));
    }

    [Fact]
    public void ContextResolvesEveryAnnotatedTypeByType()
    {
        Assert.Same(OtlpAttributesJsonContext.Default.ChatResponse, OtlpAttributesJsonContext.Default.GetTypeInfo(typeof(ChatResponse)));
        Assert.Same(OtlpAttributesJsonContext.Default.Usage, OtlpAttributesJsonContext.Default.GetTypeInfo(typeof(Usage)));
        Assert.Null(OtlpAttributesJsonContext.Default.GetTypeInfo(typeof(string)));
    }

    [Fact]
    public void SerializeByRuntimeTypeUsesTheContext()
    {
        object response = Samples.Response();

        string serialized = JsonSerializer.Serialize(response, response.GetType(), OtlpAttributesJsonContext.ContentWithheld);

        Assert.StartsWith("""[{"key":"gen_ai.response.id","value":{"stringValue":"chatcmpl-1"}}""", serialized, StringComparison.Ordinal);
        Assert.DoesNotContain("gen_ai.completion", serialized, StringComparison.Ordinal);
    }

    [Fact]
    public void AttributeFormCannotBeRead()
        => Assert.Throws<NotSupportedException>(() => JsonSerializer.Deserialize("[]", OtlpAttributesJsonContext.Default.ChatRequest));
}

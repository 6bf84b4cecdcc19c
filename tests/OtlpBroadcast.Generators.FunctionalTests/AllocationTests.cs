using System.Buffers;
using System.Text.Json;

namespace OtlpBroadcast.Generators.FunctionalTests;

public class AllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WritingAWarmedUpRequestAllocatesNothing(bool includeContent)
    {
        ChatRequest request = Samples.Request();
        ChatResponse response = Samples.Response();
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(buffer);

        WriteBoth(request, response, writer, buffer, includeContent);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            WriteBoth(request, response, writer, buffer, includeContent);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(buffer.WrittenCount > 100, "nothing was written");
        Assert.Equal(0, allocated);
    }

    private static void WriteBoth(ChatRequest request, ChatResponse response, Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, bool includeContent)
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartArray();
        var sink = new OtlpJsonAttributeSink(writer);
        request.WriteOtlpAttributes(ref sink, includeContent);
        response.WriteOtlpAttributes(ref sink, includeContent);
        writer.WriteEndArray();
        writer.Flush();
    }
}

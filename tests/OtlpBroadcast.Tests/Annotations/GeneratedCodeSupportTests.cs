using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OtlpBroadcast.Tests.Annotations;

/// <summary>The runtime pieces that generated writers call, tested without the generator.</summary>
public class GeneratedCodeSupportTests
{
    [Fact]
    public void UnsignedValuesAboveLongMaxBecomeDecimalStrings()
    {
        string json = Otlp((ref OtlpJsonAttributeSink sink) =>
        {
            GeneratedAttributeWriter.Write(ref sink, "small"u8, 5UL);
            GeneratedAttributeWriter.Write(ref sink, "big"u8, ulong.MaxValue);
        });

        Assert.Equal("""[{"key":"small","value":{"intValue":"5"}},{"key":"big","value":{"stringValue":"18446744073709551615"}}]""", json);
    }

    [Fact]
    public void FloatIsWidenedThroughItsShortestText()
        => Assert.Equal("""[{"key":"t","value":{"doubleValue":0.7}}]""", Otlp((ref OtlpJsonAttributeSink sink) => GeneratedAttributeWriter.Write(ref sink, "t"u8, 0.7f)));

    [Fact]
    public void JsonElementStringWithEscapesIsUnescaped()
    {
        using JsonDocument document = JsonDocument.Parse("""["plain","tab\there"]""");
        string json = Otlp((ref OtlpJsonAttributeSink sink) =>
        {
            GeneratedAttributeWriter.Write(ref sink, "a"u8, document.RootElement[0]);
            GeneratedAttributeWriter.Write(ref sink, "b"u8, document.RootElement[1]);
        });

        Assert.Equal("""[{"key":"a","value":{"stringValue":"plain"}},{"key":"b","value":{"stringValue":"tab\there"}}]""", json);
    }

    [Fact]
    public void JsonElementNumberBeyondADoubleIsKeptAsWrittenNotSentAsInfinity()
    {
        using JsonDocument document = JsonDocument.Parse("""[1e400,-1e400,2.5,[1e400,2.5]]""");
        string json = Otlp((ref OtlpJsonAttributeSink sink) =>
        {
            GeneratedAttributeWriter.Write(ref sink, "huge"u8, document.RootElement[0]);
            GeneratedAttributeWriter.Write(ref sink, "tiny"u8, document.RootElement[1]);
            GeneratedAttributeWriter.Write(ref sink, "d"u8, document.RootElement[2]);
            GeneratedAttributeWriter.Write(ref sink, "items"u8, document.RootElement[3]);
        });

        Assert.Equal(
            """[{"key":"huge","value":{"stringValue":"1e400"}},{"key":"tiny","value":{"stringValue":"-1e400"}},{"key":"d","value":{"doubleValue":2.5}},"""
            + """{"key":"items","value":{"arrayValue":{"values":[{"stringValue":"1e400"},{"doubleValue":2.5}]}}}]""",
            json);
    }

    [Fact]
    public void JsonElementNullWritesNothing()
    {
        using JsonDocument document = JsonDocument.Parse("null");

        Assert.Equal("[]", Otlp((ref OtlpJsonAttributeSink sink) => GeneratedAttributeWriter.Write(ref sink, "a"u8, document.RootElement)));
    }

    [Fact]
    public void LongDynamicKeysAreWrittenWhole()
    {
        string key = new('k', 400);
        using JsonDocument document = JsonDocument.Parse("1");

        string json = Otlp((ref OtlpJsonAttributeSink sink) => GeneratedAttributeWriter.WriteEntry(ref sink, "trace.metadata."u8, key, document.RootElement));

        Assert.Equal($$$"""[{"key":"trace.metadata.{{{key}}}","value":{"intValue":"1"}}]""", json);
    }

    [Fact]
    public void EnumWithoutNameFallsBackToItsNumber()
    {
        string json = Otlp((ref OtlpJsonAttributeSink sink) =>
        {
            GeneratedAttributeWriter.WriteEnum(ref sink, "a"u8, "stop", 0);
            GeneratedAttributeWriter.WriteEnum(ref sink, "b"u8, null, 9);
        });

        Assert.Equal("""[{"key":"a","value":{"stringValue":"stop"}},{"key":"b","value":{"intValue":"9"}}]""", json);
    }

    [Fact]
    public void ContentSinkWritesPlainJsonWithNonFiniteNumbersAsStrings()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var sink = new JsonContentAttributeSink(writer);
            sink.Write("role"u8, "user");
            sink.Write("skipped"u8, (string?)null);
            sink.Write("n"u8, double.NaN);
            sink.BeginArray("items"u8);
            sink.WriteArrayItem(1L);
            sink.WriteArrayItem((string?)null);
            sink.EndArray();
            sink.BeginKeyValueList("meta"u8);
            sink.Write("ok"u8, true);
            sink.EndKeyValueList();
            writer.WriteEndObject();
        }

        Assert.Equal("""{"role":"user","n":"NaN","items":[1,""],"meta":{"ok":true}}""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void NestedContentBufferIsADifferentInstanceAndTheOuterIsReused()
    {
        ContentJsonBuffer outer = ContentJsonBuffer.Rent();
        outer.WriteStartArray();
        using (ContentJsonBuffer inner = ContentJsonBuffer.Rent())
        {
            Assert.NotSame(outer, inner);
            inner.WriteObject(new HandWritten("inner"));
            Assert.Equal("""{"content":"inner"}""", Encoding.UTF8.GetString(inner.GetWrittenUtf8()));
        }

        outer.WriteEndArray();
        Assert.Equal("[]", Encoding.UTF8.GetString(outer.GetWrittenUtf8()));
        outer.Dispose();

        using ContentJsonBuffer next = ContentJsonBuffer.Rent();
        Assert.Equal(0, next.GetWrittenUtf8().Length);
    }

    [Fact]
    public void ContentBuffersAreKeptPerThreadAndNeverSharedByTwoRenters()
    {
        RunOnAThreadOfItsOwn(Check);

        static void Check()
        {
            // More levels than a thread keeps: every renter has its own buffer.
            ContentJsonBuffer[] nested = [.. Enumerable.Range(0, 6).Select(_ => ContentJsonBuffer.Rent())];
            Assert.Equal(nested.Length, nested.Distinct().Count());
            foreach (ContentJsonBuffer buffer in nested.Reverse())
            {
                buffer.Dispose();
            }

            // Four are kept and come back; the extra ones were left to the GC.
            ContentJsonBuffer[] again = [.. Enumerable.Range(0, 6).Select(_ => ContentJsonBuffer.Rent())];
            Assert.All(again[..4], buffer => Assert.Contains(buffer, nested));
            Assert.DoesNotContain(again[4], nested);
            Assert.DoesNotContain(again[5], nested);
            foreach (ContentJsonBuffer buffer in again)
            {
                buffer.Dispose();
            }

            // Disposed twice before its next renter: kept once, so the next two renters get different buffers.
            ContentJsonBuffer first = ContentJsonBuffer.Rent();
            first.Dispose();
            first.Dispose();
            ContentJsonBuffer a = ContentJsonBuffer.Rent();
            ContentJsonBuffer b = ContentJsonBuffer.Rent();
            Assert.NotSame(a, b);

            // A buffer given back is empty for its next renter, and given back out of order it is still free.
            a.WriteStartArray();
            a.WriteObject(new HandWritten("left over"));
            a.WriteEndArray();
            a.Dispose();
            b.Dispose();
            using ContentJsonBuffer next = ContentJsonBuffer.Rent();
            Assert.Same(a, next);
            Assert.Equal(0, next.GetWrittenUtf8().Length);
        }
    }

    [Fact]
    public void AContentBufferNeverGivenBackIsNotKeptByTheThread()
    {
        // A renter that never disposes (an exception without a using) must not pin the thread's buffers: what it
        // rendered (perhaps a prompt) is left to the GC, and renting on that thread allocates nothing afterwards.
        RunOnAThreadOfItsOwn(Check);

        static void Check()
        {
            WeakReference leaked = Leak();
            for (int i = 0; i < 3; i++)
            {
                _ = ContentJsonBuffer.Rent();
            }

            using (ContentJsonBuffer.Rent())
            {
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                using ContentJsonBuffer buffer = ContentJsonBuffer.Rent();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.True(!leaked.IsAlive && allocated == 0, $"leaked buffer alive: {leaked.IsAlive}; {allocated} B over 10 rents after 4 never given back");
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static WeakReference Leak()
        {
            ContentJsonBuffer buffer = ContentJsonBuffer.Rent();
            buffer.WriteObject(new HandWritten("secret-prompt"));
            return new WeakReference(buffer);
        }
    }

    /// <summary>Runs <paramref name="check"/> on a new thread (content buffers are kept per thread, and the test's
    /// thread may hold some) and fails with what it threw.</summary>
    private static void RunOnAThreadOfItsOwn(Action check)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                check();
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
    }

    [Fact]
    public void ContentObjectIsWrittenWithContentIncluded()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            ContentJsonBuffer.WriteObject(writer, new HandWritten("hi"));
            ContentJsonBuffer.WriteObject<HandWritten>(writer, null);
            writer.WriteEndArray();
        }

        Assert.Equal("""[{"content":"hi"},null]""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void AttributesSourcePassesThePrivacyFlag()
    {
        var withheld = new OtlpAttributesSource<HandWritten>(new HandWritten("secret"), includeContent: false);
        var included = new OtlpAttributesSource<HandWritten>(new HandWritten("secret"), includeContent: true);
        var missing = new OtlpAttributesSource<HandWritten>(null, includeContent: true);

        Assert.Equal("[]", Otlp((ref OtlpJsonAttributeSink sink) => withheld.WriteTo(ref sink)));
        Assert.Equal("""[{"key":"content","value":{"stringValue":"secret"}}]""", Otlp((ref OtlpJsonAttributeSink sink) => included.WriteTo(ref sink)));
        Assert.Equal("[]", Otlp((ref OtlpJsonAttributeSink sink) => missing.WriteTo(ref sink)));
    }

    private delegate void Writes(ref OtlpJsonAttributeSink sink);

    private static string Otlp(Writes writes)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            var sink = new OtlpJsonAttributeSink(writer);
            writes(ref sink);
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>What the generator would write for a type with one sensitive string member.</summary>
    private sealed class HandWritten(string content) : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
        {
            if (includeContent)
            {
                sink.Write("content"u8, content);
            }
        }
    }
}

using System.Text.Json;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// A chat message that is only a role and a text (a choice: and a finish reason) is rendered to content JSON straight
/// from its strings (<see cref="ITextOnlyMessage"/>): the bytes must be those of its generated writer, plain (the
/// protobuf encoder's form) and embedded in a JSON string (the JSON encoder's), whatever the text holds; any other
/// message takes the general path.
/// </summary>
public class TextOnlyMessageTests
{
    private static readonly string[] Texts =
    [
        "",
        "Summarise the quarterly report.",
        "quote \" backslash \\ slash / done",
        "line\nbreak\ttab\rreturn\bback\fform",
        "\u0001 and \u001f controls, \u007f delete",
        "héllo ✓ 😀 non-ASCII",
        "lone high \ud800 in the middle",
        "lone low at the end \udc00",
        "</script> & '<>' \u2028\u2029 separators",
        string.Concat(Enumerable.Repeat("Text with \"quotes\", ünïcödé and a\nbreak. ", 120)),
    ];

    private static readonly string[] Roles = ["user", "system", "assistant", "developer", "ro\"le\\", "rôle", "", "Tool"];

    public static TheoryData<string, string> TextsAndRoles()
    {
        var data = new TheoryData<string, string>();
        for (int i = 0; i < Texts.Length; i++)
        {
            data.Add(Texts[i], Roles[i % Roles.Length]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TextsAndRoles))]
    public void AMessageIsRenderedAsItsGeneratedWriterRendersIt(string text, string role)
    {
        var message = new ChatMessage { Role = role, Content = text };
        Assert.True(((ITextOnlyMessage)message).TryGetTextOnly(out _, out _, out _));

        AssertRenderedAsTheGeneralPath(message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("stop")]
    [InlineData("sto\"p\\ \n ✓")]
    public void AChoiceIsRenderedAsItsGeneratedWriterRendersIt(string? finishReason)
    {
        foreach (string text in Texts)
        {
            var choice = new ChatChoice { FinishReason = finishReason, Message = new ChatMessage { Role = "assistant", Content = text } };
            Assert.True(((ITextOnlyMessage)choice).TryGetTextOnly(out _, out _, out string? reason));
            Assert.Equal(finishReason, reason);

            AssertRenderedAsTheGeneralPath(choice);
        }
    }

    public static TheoryData<string> MessagesThatAreNotTextOnly() =>
    [
        """{"role":"user","name":"ada","content":"Hi"}""",
        """{"role":"user","name":"","content":"Hi"}""",
        """{"role":"assistant","content":"Hi","reasoning":"because"}""",
        """{"role":"assistant","content":"Hi","reasoning_content":"because"}""",
        """{"role":"assistant","content":"Hi","refusal":"no"}""",
        """{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]}""",
        """{"role":"assistant","content":"Hi","tool_calls":[null]}""",
        """{"role":"tool","tool_call_id":"call_1","content":"18°C"}""",
        """{"role":"user","content":[{"type":"text","text":"Hi"}]}""",
        """{"role":"user","content":null}""",
        """{"role":"user"}""",
        """{"role":null,"content":"Hi"}""",
    ];

    [Theory]
    [MemberData(nameof(MessagesThatAreNotTextOnly))]
    public void AnyOtherMessageTakesTheGeneralPath(string json)
    {
        ChatMessage message = JsonSerializer.Deserialize(json, OpenAiJsonContext.Default.ChatMessage)!;
        Assert.False(((ITextOnlyMessage)message).TryGetTextOnly(out _, out _, out _));
        Assert.False(((ITextOnlyMessage)new ChatChoice { Message = message, FinishReason = "stop" }).TryGetTextOnly(out _, out _, out _));

        AssertRenderedAsTheGeneralPath(message);
        AssertRenderedAsTheGeneralPath(new ChatChoice { Message = message, FinishReason = "stop" });
    }

    [Fact]
    public void AChoiceWithoutAMessageTakesTheGeneralPath()
    {
        var choice = new ChatChoice { Message = null!, FinishReason = "stop" };
        Assert.False(((ITextOnlyMessage)choice).TryGetTextOnly(out _, out _, out _));
        AssertRenderedAsTheGeneralPath(choice);
    }

    [Fact]
    public void RenderingANewTextMessageAllocatesNothing()
    {
        // Warmed up on other messages and choices: the thread's buffers exist and have grown, and the code has run.
        for (int i = 0; i < 3; i++)
        {
            RenderInPlace(new ChatMessage { Role = "user", Content = Texts[^1] });
            RenderInPlace(new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = Texts[2] }, FinishReason = "length" });
        }

        // A message just read from a request: its parts were never asked for, and rendering it does not make them.
        var fresh = new ChatMessage { Role = "user", Content = Texts[^1] };
        var choice = new ChatChoice { Message = new ChatMessage { Role = "assistant", Content = Texts[1] }, FinishReason = "stop" };
        long before = GC.GetAllocatedBytesForCurrentThread();
        int rendered = RenderInPlace(fresh) + RenderInPlace(choice);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(rendered > Texts[^1].Length * 2);
        Assert.Equal(0, allocated);
    }

    /// <summary>The message rendered alone and in an array after another message, in both forms, against the same
    /// rendered through its generated writer.</summary>
    private static void AssertRenderedAsTheGeneralPath<T>(T message) where T : IOtlpAttributes
    {
        var general = new GeneralPath<T>(message);
        Assert.Equal(Utf8(Plain(Alone(general))), Utf8(Plain(Alone(message))));
        Assert.Equal(Utf8(Embedded(Alone(general))), Utf8(Embedded(Alone(message))));

        var first = new ChatMessage { Role = "system", Content = "Be brief." };
        Assert.Equal(Utf8(Plain(AfterAnother(new GeneralPath<ChatMessage>(first), general))), Utf8(Plain(AfterAnother(first, message))));
        Assert.Equal(Utf8(Embedded(AfterAnother(new GeneralPath<ChatMessage>(first), general))), Utf8(Embedded(AfterAnother(first, message))));
    }

    private static Action<ContentJsonBuffer> Alone<T>(T message) where T : IOtlpAttributes => content => content.WriteObject(message);

    private static Action<ContentJsonBuffer> AfterAnother<T1, T2>(T1 first, T2 second) where T1 : IOtlpAttributes where T2 : IOtlpAttributes
        => content =>
        {
            content.WriteStartArray();
            content.WriteObject(first);
            content.WriteObject(second);
            content.WriteEndArray();
        };

    /// <summary>The plain form: what the protobuf encoder's sink renders content in.</summary>
    private static byte[] Plain(Action<ContentJsonBuffer> write) => Render<DestinationAttributeSink<OtlpProtobufAttributeSink>>(write, embedded: false);

    /// <summary>The embedded form: what the JSON encoder's sink renders content in, escaped as the inside of a JSON
    /// string.</summary>
    private static byte[] Embedded(Action<ContentJsonBuffer> write) => Render<DestinationAttributeSink<OtlpJsonBufferSink>>(write, embedded: true);

    private static byte[] Render<TSink>(Action<ContentJsonBuffer> write, bool embedded) where TSink : struct, IAttributeSink
    {
        using ContentJsonBuffer content = ContentJsonBuffer.Rent<TSink>();
        write(content);
        Assert.Equal(embedded, content.TryGetEmbedded(out ReadOnlySpan<byte> embeddedForm));
        return embedded ? embeddedForm.ToArray() : content.GetWrittenUtf8().ToArray();
    }

    /// <summary>Renders in both forms and copies nothing out; returns the lengths rendered.</summary>
    private static int RenderInPlace<T>(T message) where T : IOtlpAttributes
    {
        using ContentJsonBuffer plain = ContentJsonBuffer.Rent<DestinationAttributeSink<OtlpProtobufAttributeSink>>();
        using ContentJsonBuffer embedded = ContentJsonBuffer.Rent<DestinationAttributeSink<OtlpJsonBufferSink>>();
        plain.WriteObject(message);
        embedded.WriteObject(message);
        return plain.LengthBound + embedded.LengthBound;
    }

    /// <summary>The bytes as text, so that a difference reads in the failure message (invalid UTF-8 would show as
    /// U+FFFD, and the bytes are compared too).</summary>
    private static string Utf8(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes) + " | " + Convert.ToHexString(bytes);

    /// <summary>The message through its generated writer only: not an <see cref="ITextOnlyMessage"/>.</summary>
    private sealed class GeneralPath<T>(T inner) : IOtlpAttributes where T : IOtlpAttributes
    {
        public void WriteOtlpAttributes<TSink>(ref TSink sink, bool includeContent) where TSink : struct, IAttributeSink
            => inner.WriteOtlpAttributes(ref sink, includeContent);
    }
}

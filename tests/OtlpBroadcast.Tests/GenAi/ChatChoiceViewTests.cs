using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Tests.GenAi;

/// <summary><see cref="ChatCompletionResponse.FinishReasons"/> and <see cref="ChatCompletionResponse.OutputMessages"/>
/// read the choices when enumerated, and enumerating them (as the generated writer does) allocates nothing.</summary>
public class ChatChoiceViewTests
{
    private static ChatCompletionResponse Response() => new()
    {
        Choices =
        [
            new ChatChoice { FinishReason = "stop", Message = new ChatMessage { Role = "assistant", Content = "a" } },
            new ChatChoice { FinishReason = null, Message = new ChatMessage { Role = "assistant", Content = "b" } },
        ],
    };

    [Fact]
    public void TheViewsHoldOneValuePerChoice()
    {
        ChatCompletionResponse response = Response();

        Assert.Equal(["stop", ""], response.FinishReasons);
        Assert.Equal(["a", "b"], response.OutputMessages.Select(m => m.Message.Content));
        Assert.Equal(2, response.FinishReasons.Count);
        Assert.Equal("", response.FinishReasons[1]);
        Assert.Same(response.Choices[0], response.OutputMessages[0]);
    }

    [Fact]
    public void TheViewsFollowLaterChangesToTheChoices()
    {
        ChatCompletionResponse response = Response();
        IReadOnlyList<string> reasons = response.FinishReasons;

        response.Choices.Add(new ChatChoice { FinishReason = "length" });
        Assert.Equal(["stop", "", "length"], reasons);

        response.Choices = null!;
        Assert.Empty(reasons);
        Assert.Empty(response.OutputMessages);
    }

    [Fact]
    public void EnumeratingTheViewsAllocatesNothing()
    {
        ChatCompletionResponse response = Response();
        int Enumerate()
        {
            int length = 0;
            foreach (string reason in response.FinishReasons)
            {
                length += reason.Length;
            }

            foreach (ChatChoice choice in response.OutputMessages)
            {
                // The parts are made on first use and kept for the message's content.
                foreach (ChatMessagePart part in choice.Parts!)
                {
                    length += part.Content!.Length;
                }
            }

            return length;
        }

        Assert.Equal(6, Enumerate());
        Assert.Equal(6, Enumerate());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Enumerate();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace OtlpBroadcast.AI.Tests;

/// <summary>An inner client that answers with what the test gave it and remembers what it was asked.</summary>
internal sealed class FakeChatClient : IChatClient
{
    public ChatClientMetadata Metadata { get; init; } = new("openai", new Uri("https://api.openai.com/v1"), "gpt-4o-mini");

    public Func<ChatResponse>? Response { get; init; }

    public IReadOnlyList<ChatResponseUpdate> Updates { get; init; } = [];

    /// <summary>Thrown by GetResponseAsync, or by the stream after <see cref="FailAfter"/> updates.</summary>
    public Exception? Failure { get; init; }

    public int FailAfter { get; init; } = int.MaxValue;

    /// <summary>Thrown when the stream is disposed (as a transport that fails to close would).</summary>
    public Exception? DisposeFailure { get; init; }

    public List<ChatOptions?> SeenOptions { get; } = [];

    /// <summary>Called with an update's index just before the stream hands it out (to move a test's clock, say).</summary>
    public Action<int>? BeforeUpdate { get; init; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        SeenOptions.Add(options);
        if (cancellationToken.IsCancellationRequested)
        {
            // As an HTTP client does: a task cancelled with the token.
            return Task.FromCanceled<ChatResponse>(cancellationToken);
        }

        return Failure is not null ? Task.FromException<ChatResponse>(Failure) : Task.FromResult(Response!());
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SeenOptions.Add(options);
        int sent = 0;
        try
        {
            foreach (ChatResponseUpdate update in Updates)
            {
                if (Failure is not null && sent == FailAfter)
                {
                    throw Failure;
                }

                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                BeforeUpdate?.Invoke(sent);
                sent++;
                yield return update;
            }
        }
        finally
        {
            if (DisposeFailure is not null)
            {
                throw DisposeFailure;
            }
        }

        if (Failure is not null && sent <= FailAfter)
        {
            throw Failure;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceType == typeof(ChatClientMetadata) ? Metadata : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}

namespace OtlpBroadcast.Testing;

/// <summary>The receiver's default verdict on a request, before any responder has its say.</summary>
internal sealed record Evaluation(ReceiverResponse Response, bool ReachedEndpoint)
{
    public string? DecodeError { get; init; }

    /// <summary>Empty when the request was refused before its content was decoded.</summary>
    public byte[] DecompressedBody { get; init; } = [];

    public IReadOnlyList<ReceivedSpan> Spans { get; init; } = [];
}

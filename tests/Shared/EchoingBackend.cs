using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.Shared;

/// <summary>A backend that refuses every request and quotes every header it received in its answer, as careless
/// backends do: the SDK must never pass that text on unredacted.</summary>
internal static class EchoingBackend
{
    /// <summary>Answers with <paramref name="statuses"/> in turn (a 429 with <c>Retry-After: 0</c>).</summary>
    public static Task<OtlpTestReceiver> StartAsync(params int[] statuses) => OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
    {
        Responder = (request, index) =>
        {
            int status = statuses[index % statuses.Length];
            return new ReceiverResponse
            {
                StatusCode = status,
                ContentType = "text/plain",
                Body = "refused: " + string.Join(", ", request.Headers.Select(h => h.Key + "=" + h.Value)),
                Headers = status == 429 ? new Dictionary<string, string> { ["Retry-After"] = "0" } : new Dictionary<string, string>(),
            };
        },
    });
}

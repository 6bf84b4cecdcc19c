using System.Text;
using System.Text.Json;

namespace OtlpBroadcast.Testing;

/// <summary>
/// The body of the receiver's own error answers: OTLP/HTTP says a 4xx/5xx body is a <c>google.rpc.Status</c>,
/// so exporters that log it see a message.
/// </summary>
internal static class ErrorBody
{
    public static string For(int statusCode, string message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("code", RpcCode(statusCode));
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // google.rpc.Code values, as gRPC maps HTTP statuses.
    private static int RpcCode(int statusCode) => statusCode switch
    {
        400 => 3,  // INVALID_ARGUMENT
        401 => 16, // UNAUTHENTICATED
        404 => 5,  // NOT_FOUND
        413 or 429 => 8, // RESOURCE_EXHAUSTED
        500 => 13, // INTERNAL
        503 => 14, // UNAVAILABLE
        _ => 12,   // UNIMPLEMENTED (405, 415)
    };
}

namespace OtlpBroadcast.Testing;

/// <summary>
/// The example request of the hosted router's "broadcast to an OpenTelemetry collector" documentation, which demos
/// and tests send: a chat request with <c>user</c>, <c>session_id</c> and a <c>trace</c> field.
/// </summary>
public static class MissionExample
{
    /// <summary>The request body, as the documentation shows it.</summary>
    public const string RequestJson = """
        {
          "model": "openai/gpt-4o",
          "messages": [{ "role": "user", "content": "Hello!" }],
          "user": "user_12345",
          "session_id": "session_abc",
          "trace": {
            "trace_id": "app_trace_001",
            "trace_name": "Chat Handler",
            "generation_name": "Generate Response",
            "environment": "staging",
            "deployment": "us-east-1"
          }
        }
        """;
}

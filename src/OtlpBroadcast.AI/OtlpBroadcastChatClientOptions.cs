namespace OtlpBroadcast.AI;

/// <summary>How <see cref="OtlpBroadcastChatClient"/> describes the calls it records.</summary>
public sealed class OtlpBroadcastChatClientOptions
{
    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key of the request's <c>trace</c> field.</summary>
    public const string TraceKey = "trace";

    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key of the end user (<c>user.id</c>).</summary>
    public const string UserKey = "user";

    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key of the session (<c>session.id</c>).</summary>
    public const string SessionIdKey = "session_id";

    /// <summary>The provider (<c>gen_ai.provider.name</c>); the inner client's <c>ChatClientMetadata.ProviderName</c> when not set.</summary>
    public string? ProviderName { get; set; }

    /// <summary>A name for the API key in use, for destination filters (never sent).</summary>
    public string? ApiKeyName { get; set; }

    /// <summary>Prices a completed call from its model and usage; no cost attributes when <see langword="null"/>.</summary>
    public Func<string?, Microsoft.Extensions.AI.UsageDetails, GenerationCost>? Cost { get; set; }
}

using OtlpBroadcast;
using OtlpBroadcast.AI;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="OtlpBroadcastChatClient"/> to a chat client pipeline.</summary>
public static class OtlpBroadcastChatClientBuilderExtensions
{
    /// <summary>Records every call of the clients below this point through <paramref name="broadcaster"/>.</summary>
    public static ChatClientBuilder UseOtlpBroadcast(
        this ChatClientBuilder builder, GenerationBroadcaster broadcaster, Action<OtlpBroadcastChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(broadcaster);
        OtlpBroadcastChatClientOptions options = Configure(configure);
        return builder.Use(inner => new OtlpBroadcastChatClient(inner, broadcaster, options));
    }

    /// <summary>
    /// Records every call through the <see cref="GenerationBroadcaster"/> of the pipeline's services (registered by
    /// <c>services.AddOtlpBroadcast(...)</c> from OtlpBroadcast.Hosting).
    /// </summary>
    /// <exception cref="InvalidOperationException">No broadcaster is registered (when the pipeline is built).</exception>
    public static ChatClientBuilder UseOtlpBroadcast(this ChatClientBuilder builder, Action<OtlpBroadcastChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        OtlpBroadcastChatClientOptions options = Configure(configure);
        return builder.Use((inner, services) =>
        {
            var broadcaster = services.GetService(typeof(GenerationBroadcaster)) as GenerationBroadcaster
                ?? throw new InvalidOperationException(
                    "UseOtlpBroadcast needs a GenerationBroadcaster in the services: call services.AddOtlpBroadcast(...) (OtlpBroadcast.Hosting), or pass one to UseOtlpBroadcast.");
            return new OtlpBroadcastChatClient(inner, broadcaster, options);
        });
    }

    private static OtlpBroadcastChatClientOptions Configure(Action<OtlpBroadcastChatClientOptions>? configure)
    {
        var options = new OtlpBroadcastChatClientOptions();
        configure?.Invoke(options);
        return options;
    }
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OtlpBroadcast.Testing;

/// <summary>The Kestrel host the test receivers run on: HTTP/1.1 on 127.0.0.1 only, no configuration from the
/// host process, no logging unless asked for.</summary>
internal static class LoopbackServer
{
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A host that listens on <c>127.0.0.1:<paramref name="port"/></c> (0: a free port).</summary>
    public static WebApplication Build(int port, Action<ILoggingBuilder>? configureLogging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Watching appsettings files costs an inotify instance per receiver; tests start many.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });

        // The host's appsettings.json or ASPNETCORE_* variables (a sample's Kestrel endpoints, say) must not
        // change where or how the receiver listens.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // The receivers enforce their own limit, reading the rest so the client gets the 413.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1);
        });

        return builder.Build();
    }

    /// <summary>The root address a started host listens on, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public static Uri Address(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel did not report the address it listens on.");
        return new Uri(addresses.Addresses.Single().TrimEnd('/') + "/");
    }

    /// <summary>Stops a host, giving open requests <see cref="ShutdownTimeout"/> to finish, and disposes it.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        using (var timeout = new CancellationTokenSource(ShutdownTimeout))
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await app.DisposeAsync().ConfigureAwait(false);
    }
}

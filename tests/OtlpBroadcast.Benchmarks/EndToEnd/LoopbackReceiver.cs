using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// A minimal OTLP/HTTP receiver for end-to-end runs, in its own process so that its CPU is not counted against the
/// exporter being measured. It reads every body to the end (bytes accepted) and answers 200 with an empty success
/// response in the request's encoding. It prints its traces URL on the first line and stops when standard input closes.
/// </summary>
internal static class LoopbackReceiver
{
    public static async Task RunAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64L * 1024 * 1024);
        WebApplication app = builder.Build();
        byte[] drain = new byte[64 * 1024];
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            while (await context.Request.Body.ReadAsync(drain, context.RequestAborted).ConfigureAwait(false) > 0)
            {
            }

            bool json = context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true;
            context.Response.StatusCode = 200;
            context.Response.ContentType = json ? "application/json" : "application/x-protobuf";
            if (json)
            {
                await context.Response.Body.WriteAsync("{}"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
            }
        });
        await app.StartAsync().ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Console.WriteLine(address.TrimEnd('/') + "/v1/traces");
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
    }
}

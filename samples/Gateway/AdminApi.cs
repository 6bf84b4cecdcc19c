using System.Text.Json;
using System.Text.Json.Serialization;
using OtlpBroadcast;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace Gateway;

/// <summary>What the admin API takes to add a destination, like the hosted product's form.</summary>
public sealed class DestinationForm
{
    /// <summary>The destination's name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>The OTLP traces URL.</summary>
    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; set; }

    /// <summary>Headers as a JSON object of strings (optional).</summary>
    [JsonPropertyName("headers")]
    public JsonElement? Headers { get; set; }

    /// <summary>Privacy mode.</summary>
    [JsonPropertyName("privacy_mode")]
    public bool PrivacyMode { get; set; }

    /// <summary><c>http/json</c> (the default) or <c>http/protobuf</c>, as <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> spells it.</summary>
    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }

    /// <summary><c>none</c> (the default) or <c>gzip</c>.</summary>
    [JsonPropertyName("compression")]
    public string? Compression { get; set; }

    /// <summary>Members that are not settings, kept only to be refused: ignored, a misspelt <c>privacy_mode</c> would
    /// save the destination with privacy off, and content would reach it.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }

    /// <summary>The members the form takes, as the refusal of another one lists them.</summary>
    internal const string Settings = "name, endpoint, headers, privacy_mode, protocol, compression";
}

/// <summary>A listed destination; header values are masked.</summary>
public sealed record DestinationView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("headers")] string Headers,
    [property: JsonPropertyName("privacy_mode")] bool PrivacyMode,
    [property: JsonPropertyName("protocol")] string Protocol,
    [property: JsonPropertyName("compression")] string Compression,
    [property: JsonPropertyName("exported")] long Exported,
    [property: JsonPropertyName("dropped")] long Dropped,
    [property: JsonPropertyName("last_error")] string? LastError);

/// <summary>The outcome of a connection test or a test trace.</summary>
public sealed record TestView(
    [property: JsonPropertyName("saved")] bool? Saved,
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("status")] int? Status,
    [property: JsonPropertyName("latency_ms")] double LatencyMs,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("trace_id")] string TraceId);

/// <summary>An error answer.</summary>
public sealed record ErrorView([property: JsonPropertyName("error")] string Error);

/// <summary>
/// The admin API: add (saved only if the connection test passes), list, remove, send a test trace. It has no
/// authentication of its own: put it behind the host's. When users who must not reach the gateway's network add
/// destinations here, turn on <c>OtlpBroadcast:NetworkPolicy:RequirePublicAddresses</c> (off by default).
/// </summary>
public static class AdminApi
{
    /// <summary>Maps the admin endpoints under <c>/admin/destinations</c>.</summary>
    public static void Map(WebApplication app)
    {
        RouteGroupBuilder group = app.MapGroup("/admin/destinations");

        group.MapGet("/", (DestinationRegistry registry) =>
            Results.Json(registry.List().Select(View).ToList(), GatewayJsonContext.Default.ListDestinationView));

        group.MapPost("/", async (HttpRequest http, DestinationRegistry registry, ExporterServices services, CancellationToken cancellationToken) =>
        {
            if (JsonBody.RefuseIfNotJson(http) is { } refusal)
            {
                return refusal;
            }

            DestinationForm? form;
            try
            {
                form = await http.ReadFromJsonAsync(GatewayJsonContext.Default.DestinationForm, cancellationToken);
            }
            catch (JsonException)
            {
                return Results.Json(new ErrorView("The body is not a valid destination JSON object."), GatewayJsonContext.Default.ErrorView, statusCode: 400);
            }

            if (form?.Unknown is { Count: > 0 } unknown)
            {
                return Results.Json(
                    new ErrorView($"'{unknown.Keys.First()}' is not a destination setting; the settings are {DestinationForm.Settings}."),
                    GatewayJsonContext.Default.ErrorView,
                    statusCode: 400);
            }

            OtlpDestination destination;
            try
            {
                var options = new OtlpDestinationOptions
                {
                    Name = form?.Name ?? "",
                    Endpoint = form?.Endpoint,
                    HeadersJson = form?.Headers is { ValueKind: not JsonValueKind.Null } headers ? headers.GetRawText() : null,
                    PrivacyMode = form?.PrivacyMode ?? false,
                    Protocol = WireSettings.Protocol(form?.Protocol, "The protocol"),
                    Compression = WireSettings.Compression(form?.Compression, "The compression"),
                };
                destination = OtlpDestination.Create(options);
                RequireAddressableName(destination.Name);

                // A literal address or localhost that the network policy refuses is refused here, before any request.
                services.NetworkPolicy.Validate(destination);
            }
            catch (OtlpConfigurationException exception)
            {
                return Results.Json(new ErrorView(exception.Message), GatewayJsonContext.Default.ErrorView, statusCode: 400);
            }

            DestinationSaveResult result;
            try
            {
                result = await registry.SaveAsync(destination, cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                return Results.Json(new ErrorView("The gateway is shutting down: no destination can be added."), GatewayJsonContext.Default.ErrorView, statusCode: 503);
            }

            TestView view = View(result.Test, result.Saved);
            return Results.Json(view, GatewayJsonContext.Default.TestView, statusCode: result.Saved ? 201 : 422);
        });

        group.MapDelete("/{name}", async (string name, DestinationRegistry registry) =>
            await registry.RemoveAsync(name) ? Results.NoContent() : Results.NotFound());

        group.MapPost("/{name}/test-trace", async (string name, DestinationRegistry registry, CancellationToken cancellationToken) =>
        {
            // No Find first: a DELETE between the two would turn the 404 into a 500.
            ConnectionTestResult test;
            try
            {
                test = await registry.SendTestTraceAsync(name, cancellationToken);
            }
            catch (KeyNotFoundException)
            {
                return Results.NotFound();
            }

            return Results.Json(View(test, saved: null), GatewayJsonContext.Default.TestView, statusCode: test.Success ? 200 : 502);
        });
    }

    /// <summary>The name is the segment of <c>/admin/destinations/{name}</c>: a name holding '/' (the route never
    /// decodes %2F) or a dot segment (the URL is normalised) never reaches it, so such a destination could be
    /// neither removed nor sent a test trace.</summary>
    private static void RequireAddressableName(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new OtlpConfigurationException("A destination name must not contain '/' or be '.' or '..': it is the last segment of /admin/destinations/{name}.");
        }
    }

    private static DestinationView View(DestinationInfo info) => new(
        info.Name,
        info.DisplayEndpoint,
        info.Headers,
        info.PrivacyMode,
        OtlpWireNames.Of(info.Protocol),
        OtlpWireNames.Of(info.Compression),
        info.Statistics.Exported,
        info.Statistics.DroppedTotal,
        info.Statistics.LastError);

    private static TestView View(ConnectionTestResult test, bool? saved) => new(
        saved,
        test.Success,
        test.StatusCode is { } status ? (int)status : null,
        Math.Round(test.Latency.TotalMilliseconds, 1),
        test.Message,
        test.TraceId.ToString());
}

/// <summary>Source-generated JSON of the gateway's own types.</summary>
[JsonSerializable(typeof(DestinationForm))]
[JsonSerializable(typeof(List<DestinationView>))]
[JsonSerializable(typeof(TestView))]
[JsonSerializable(typeof(ErrorView))]
[JsonSerializable(typeof(StreamError))]
public sealed partial class GatewayJsonContext : JsonSerializerContext
{
}

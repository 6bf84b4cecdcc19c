using System.Text;
using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Export;

/// <summary>
/// Destinations filled in the way each backend documents its OTLP/HTTP traces endpoint: the URL and the header
/// names. Every preset returns ordinary <see cref="OtlpDestinationOptions"/>, so anything (batching, privacy mode,
/// the endpoint itself) can still be changed before <see cref="OtlpDestination.Create(OtlpDestinationOptions)"/>.
/// </summary>
public static class OtlpPresets
{
    /// <summary>Axiom's traces endpoint.</summary>
    public const string AxiomEndpoint = "https://api.axiom.co/v1/traces";

    /// <summary>Honeycomb's traces endpoint (US); the EU one is <see cref="HoneycombEuEndpoint"/>.</summary>
    public const string HoneycombEndpoint = "https://api.honeycomb.io/v1/traces";

    /// <summary>Honeycomb's traces endpoint in the EU region.</summary>
    public const string HoneycombEuEndpoint = "https://api.eu1.honeycomb.io/v1/traces";

    /// <summary>Langfuse Cloud (EU region), the base URL that <see cref="LangfuseOtelPath"/> is appended to.</summary>
    public const string LangfuseCloudBaseUrl = "https://cloud.langfuse.com";

    /// <summary>The path of Langfuse's OTLP traces endpoint under its base URL.</summary>
    public const string LangfuseOtelPath = "/api/public/otel/v1/traces";

    /// <summary>The OTLP/HTTP traces path under a base URL.</summary>
    public const string TracesPath = "/v1/traces";

    /// <summary>
    /// Axiom: <c>https://api.axiom.co/v1/traces</c> with <c>Authorization: Bearer &lt;token&gt;</c> and
    /// <c>X-Axiom-Dataset: &lt;dataset&gt;</c>.
    /// </summary>
    /// <param name="apiToken">An API token with ingest permission (<c>xaat-…</c>).</param>
    /// <param name="dataset">The dataset (of the traces kind) the spans go to.</param>
    /// <param name="name">The destination's name.</param>
    public static OtlpDestinationOptions Axiom(string apiToken, string dataset, string name = "axiom")
    {
        Require(apiToken, nameof(apiToken), "Axiom");
        Require(dataset, nameof(dataset), "Axiom");
        return Options(name, AxiomEndpoint, ("Authorization", "Bearer " + apiToken.Trim()), ("X-Axiom-Dataset", dataset.Trim()));
    }

    /// <summary>
    /// Honeycomb: <c>https://api.honeycomb.io/v1/traces</c> with <c>x-honeycomb-team: &lt;key&gt;</c>, plus
    /// <c>x-honeycomb-dataset</c> for Honeycomb Classic only (environments route by <c>service.name</c>).
    /// </summary>
    /// <param name="apiKey">An ingest API key.</param>
    /// <param name="classicDataset">The dataset, for Honeycomb Classic; <see langword="null"/> otherwise.</param>
    /// <param name="name">The destination's name.</param>
    /// <param name="endpoint">The traces URL; <see cref="HoneycombEuEndpoint"/> for the EU region.</param>
    public static OtlpDestinationOptions Honeycomb(string apiKey, string? classicDataset = null, string name = "honeycomb", string endpoint = HoneycombEndpoint)
    {
        Require(apiKey, nameof(apiKey), "Honeycomb");
        OtlpDestinationOptions options = Options(name, endpoint, ("x-honeycomb-team", apiKey.Trim()));
        if (!string.IsNullOrWhiteSpace(classicDataset))
        {
            options.Headers["x-honeycomb-dataset"] = classicDataset.Trim();
        }

        return options;
    }

    /// <summary>
    /// Grafana Cloud (Tempo through the OTLP gateway): the stack's OTLP endpoint (as shown on its OpenTelemetry card,
    /// e.g. <c>https://otlp-gateway-prod-eu-west-2.grafana.net/otlp</c>) plus <c>/v1/traces</c>, with
    /// <c>Authorization: Basic base64(instanceId:token)</c>.
    /// </summary>
    /// <param name="otlpEndpoint">The stack's OTLP endpoint, without <c>/v1/traces</c> (given with it, it is kept as is).</param>
    /// <param name="instanceId">The OTLP instance id (the Basic user name).</param>
    /// <param name="token">An access policy token with the <c>traces:write</c> scope.</param>
    /// <param name="name">The destination's name.</param>
    public static OtlpDestinationOptions GrafanaCloud(string otlpEndpoint, string instanceId, string token, string name = "grafana-cloud")
    {
        Require(otlpEndpoint, nameof(otlpEndpoint), "Grafana Cloud");
        Require(instanceId, nameof(instanceId), "Grafana Cloud");
        Require(token, nameof(token), "Grafana Cloud");
        return Options(name, AppendPath(otlpEndpoint, TracesPath), ("Authorization", Basic(instanceId.Trim(), token.Trim())));
    }

    /// <summary>
    /// Langfuse: <c>{baseUrl}/api/public/otel/v1/traces</c> (Langfuse Cloud EU by default; US is
    /// <c>https://us.cloud.langfuse.com</c>, or a self-hosted URL) with
    /// <c>Authorization: Basic base64(publicKey:secretKey)</c> and <c>x-langfuse-ingestion-version: 4</c>, which
    /// Langfuse asks direct OTLP exporters to send.
    /// </summary>
    /// <param name="publicKey">The project's public key (<c>pk-lf-…</c>).</param>
    /// <param name="secretKey">The project's secret key (<c>sk-lf-…</c>).</param>
    /// <param name="baseUrl">The Langfuse URL, without a path.</param>
    /// <param name="name">The destination's name.</param>
    public static OtlpDestinationOptions Langfuse(string publicKey, string secretKey, string baseUrl = LangfuseCloudBaseUrl, string name = "langfuse")
    {
        Require(publicKey, nameof(publicKey), "Langfuse");
        Require(secretKey, nameof(secretKey), "Langfuse");
        Require(baseUrl, nameof(baseUrl), "Langfuse");
        return Options(
            name,
            AppendPath(baseUrl, LangfuseOtelPath),
            ("Authorization", Basic(publicKey.Trim(), secretKey.Trim())),
            ("x-langfuse-ingestion-version", "4"));
    }

    /// <summary>Jaeger's OTLP/HTTP receiver: <c>http://{host}:{port}/v1/traces</c>, no headers.</summary>
    /// <param name="host">The Jaeger host.</param>
    /// <param name="port">The OTLP/HTTP port (4318 by default).</param>
    /// <param name="name">The destination's name.</param>
    public static OtlpDestinationOptions Jaeger(string host = "localhost", int port = 4318, string name = "jaeger")
    {
        Require(host, nameof(host), "Jaeger");
        if (port is < 1 or > 65535)
        {
            throw new OtlpConfigurationException($"Jaeger: the port must be between 1 and 65535, not {port}.");
        }

        return Options(name, new UriBuilder(Uri.UriSchemeHttp, host.Trim(), port, TracesPath).Uri.AbsoluteUri);
    }

    /// <summary>
    /// A self-hosted OpenTelemetry Collector (or any OTLP/HTTP receiver): <c>{baseUrl}/v1/traces</c>, with optional
    /// headers as a JSON object.
    /// </summary>
    /// <param name="baseUrl">The collector's base URL, e.g. <c>http://otel-collector:4318</c>.</param>
    /// <param name="headersJson">Headers, if the collector checks any.</param>
    /// <param name="name">The destination's name.</param>
    public static OtlpDestinationOptions Collector(string baseUrl, string? headersJson = null, string name = "collector")
    {
        Require(baseUrl, nameof(baseUrl), "Collector");
        OtlpDestinationOptions options = Options(name, AppendPath(baseUrl, TracesPath));
        options.HeadersJson = headersJson;
        return options;
    }

    /// <summary><c>Basic base64(user:password)</c>, UTF-8.</summary>
    internal static string Basic(string user, string password)
        => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

    /// <summary>Appends <paramref name="path"/> to a base URL unless it already ends with it (a full URL given).</summary>
    internal static string AppendPath(string baseUrl, string path)
    {
        string trimmed = baseUrl.Trim().TrimEnd('/');
        return trimmed.EndsWith(path, StringComparison.OrdinalIgnoreCase) ? trimmed : trimmed + path;
    }

    private static OtlpDestinationOptions Options(string name, string endpoint, params (string Name, string Value)[] headers)
    {
        var options = new OtlpDestinationOptions { Name = name, Endpoint = endpoint };
        foreach ((string header, string value) in headers)
        {
            options.Headers[header] = value;
        }

        return options;
    }

    private static void Require(string? value, string parameter, string backend)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            // Names the missing setting only: the other arguments may be secrets.
            throw new OtlpConfigurationException($"{backend}: {parameter} is missing.");
        }
    }
}

using System.Globalization;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Cli;

/// <summary>
/// The <c>otlp-broadcast</c> tool: <c>test-connection</c> and <c>send-test-trace</c> against an OTLP/HTTP traces
/// endpoint. Exit codes: 0 success, 1 invalid arguments or configuration, 2 the backend refused (an HTTP error
/// status or rejected spans), 3 no response (connection refused, DNS, TLS, timeout). Header values are never printed.
/// </summary>
public static class CliApp
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Invalid arguments or configuration.</summary>
    public const int InvalidArguments = 1;

    /// <summary>The backend answered, and refused.</summary>
    public const int Refused = 2;

    /// <summary>No answer from the backend.</summary>
    public const int NoResponse = 3;

    internal const string TestConnection = "test-connection";
    internal const string SendTestTrace = "send-test-trace";

    private const string Usage = """
        otlp-broadcast: check an OTLP/HTTP traces endpoint from the command line.

        Usage:
          otlp-broadcast test-connection --endpoint URL [--headers JSON] [--header name=value ...] [--timeout ms]
                                         [--protocol P] [--compression C] [--allow-insecure] [--service-name NAME]
          otlp-broadcast send-test-trace --endpoint URL [--headers JSON] [--header name=value ...] [--timeout ms]
                                         [--protocol P] [--compression C] [--privacy] [--allow-insecure]
                                         [--service-name NAME]

        Commands:
          test-connection   send one span named connection-test, as a settings page's "Test connection" does
          send-test-trace   send a small LLM generation trace (root, generation, provider attempt) to look for

        Options:
          --endpoint URL        the full traces URL, e.g. https://api.axiom.co/v1/traces
          --headers JSON        headers as a JSON object, e.g. '{"Authorization":"Bearer <token>"}'
          --header name=value   one header (repeatable)
          --timeout ms          request timeout in milliseconds (default 10000)
          --protocol P          http/json (default) or http/protobuf
          --compression C       none (default) or gzip
          --privacy             send-test-trace only: leave prompt and completion content out
          --allow-insecure      allow headers over plain http to a host that is not loopback
          --service-name NAME   the service.name of the spans (default otlp-broadcast-cli)

        Exit codes: 0 ok, 1 invalid arguments or configuration, 2 refused by the backend, 3 no response.
        """;

    /// <summary>Runs the tool with <paramref name="args"/>, writing results to <paramref name="output"/> and problems to <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            await (args.Length == 0 ? error : output).WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? InvalidArguments : Ok;
        }

        if (args[0] is "--version")
        {
            await output.WriteLineAsync(SdkInfo.Version).ConfigureAwait(false);
            return Ok;
        }

        string command = args[0];
        if (command is not (TestConnection or SendTestTrace))
        {
            await error.WriteLineAsync($"Unknown command; use {TestConnection} or {SendTestTrace} (otlp-broadcast --help).").ConfigureAwait(false);
            return InvalidArguments;
        }

        CliArguments parsed;
        OtlpDestination destination;
        try
        {
            parsed = CliArguments.Parse(command, args[1..]);
            if (parsed.Help)
            {
                await output.WriteLineAsync(Usage).ConfigureAwait(false);
                return Ok;
            }

            destination = CreateDestination(parsed);
        }
        catch (CliUsageException exception)
        {
            await error.WriteLineAsync("Invalid arguments: " + exception.Message).ConfigureAwait(false);
            return InvalidArguments;
        }
        catch (OtlpConfigurationException exception)
        {
            // The runtime's messages name the problem and never a header value.
            await error.WriteLineAsync("Invalid configuration: " + exception.Message).ConfigureAwait(false);
            return InvalidArguments;
        }

        var services = new ExporterServices { Resource = new OtlpResource(parsed.ServiceName ?? "otlp-broadcast-cli") };
        await output.WriteLineAsync(
            $"{(command == TestConnection ? "Testing the connection to" : "Sending a test trace to")} {destination.Endpoint.GetLeftPart(UriPartial.Path)} ({Wire(destination)}; headers: {destination.Headers}{(destination.PrivacyMode ? "; privacy mode" : "")})").ConfigureAwait(false);
        ConnectionTestResult result;
        try
        {
            result = command == TestConnection
                ? await ConnectionTester.TestAsync(destination, services, cancellationToken).ConfigureAwait(false)
                : await ConnectionTester.SendTestTraceAsync(destination, services, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Cancelled before the backend answered.").ConfigureAwait(false);
            return NoResponse;
        }

        await Print(output, result).ConfigureAwait(false);
        if (result.Success)
        {
            return Ok;
        }

        await error.WriteLineAsync(result.StatusCode is null
            ? "No response from the endpoint: check the URL, the port and the network."
            : "The backend refused the request.").ConfigureAwait(false);
        return result.StatusCode is null ? NoResponse : Refused;
    }

    private static OtlpDestination CreateDestination(CliArguments parsed)
    {
        var options = new OtlpDestinationOptions
        {
            Name = "cli",
            Endpoint = parsed.Endpoint,
            HeadersJson = parsed.HeadersJson,
            PrivacyMode = parsed.Privacy,
            AllowInsecureCredentials = parsed.AllowInsecure,
            Protocol = parsed.Protocol,
            Compression = parsed.Compression,
            Timeout = parsed.Timeout ?? TimeSpan.FromSeconds(10),
        };
        int position = 0;
        foreach (KeyValuePair<string, string> header in parsed.Headers)
        {
            position++;
            if (!options.Headers.TryAdd(header.Key, header.Value))
            {
                // Not quoted: a name that is not a header name may hold a credential ("Authorization: Bearer ...").
                throw new OtlpConfigurationException(
                    $"Header number {position} given with --header repeats the name of an earlier one (names are compared ignoring case); give each header once.");
            }
        }

        return OtlpDestination.Create(options);
    }

    private static string Wire(OtlpDestination destination)
        => OtlpWireNames.Of(destination.Protocol) + (destination.Compression == OtlpCompression.Gzip ? ", gzip" : "");

    private static async Task Print(TextWriter output, ConnectionTestResult result)
    {
        string status = result.StatusCode is { } code ? $"HTTP {(int)code} ({code})" : "no response";
        await output.WriteLineAsync($"  Result:   {(result.Success ? "OK" : "FAILED")}").ConfigureAwait(false);
        await output.WriteLineAsync($"  Status:   {status}").ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  Latency:  {result.Latency.TotalMilliseconds:0} ms")).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(result.Message))
        {
            await output.WriteLineAsync($"  Backend:  {result.Message}").ConfigureAwait(false);
        }

        await output.WriteLineAsync($"  Trace id: {result.TraceId}").ConfigureAwait(false);
    }
}

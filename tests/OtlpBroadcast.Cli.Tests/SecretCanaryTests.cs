using OtlpBroadcast.Testing;
using OtlpBroadcast.Tests.Shared;

namespace OtlpBroadcast.Cli.Tests;

/// <summary>
/// The tool's commands with canary secrets as header values, against backends that accept, refuse while quoting every
/// header back, or hang, and with invalid headers and arguments: nothing it prints, on standard output or error, and
/// no exception message thrown in the process meanwhile, contains a canary.
/// </summary>
public class SecretCanaryTests
{
    [Fact]
    public async Task NoCanaryAppearsInAnythingTheToolPrintsOrThrows()
    {
        string token = "c4n4ry-cli-" + Guid.NewGuid().ToString("N");
        string apiKey = "c4n4ry-cli-key-" + Guid.NewGuid().ToString("N");
        using var scan = new CanaryScan(token, apiKey);

        await using OtlpTestReceiver accepting = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            RequiredHeaders = { ["Authorization"] = "Bearer " + token },
        });
        await using OtlpTestReceiver echoing = await EchoingBackend.StartAsync(401, 500);
        await using OtlpTestReceiver hanging = await OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
        {
            Responder = (_, _) => new ReceiverResponse { Delay = Timeout.InfiniteTimeSpan },
        });

        string[] headers = ["--header", "Authorization=Bearer " + token, "--header", "X-Api-Key=" + apiKey];
        string[][] runs =
        [
            ["test-connection", "--endpoint", accepting.TracesEndpoint.AbsoluteUri, .. headers],
            ["send-test-trace", "--endpoint", accepting.TracesEndpoint.AbsoluteUri, .. headers],
            ["test-connection", "--endpoint", echoing.TracesEndpoint.AbsoluteUri, .. headers],
            ["send-test-trace", "--endpoint", echoing.TracesEndpoint.AbsoluteUri, .. headers],
            ["test-connection", "--endpoint", hanging.TracesEndpoint.AbsoluteUri, "--timeout", "300", .. headers],
            ["test-connection", "--endpoint", "http://collector.example.com/v1/traces", .. headers],
            ["test-connection", "--endpoint", accepting.TracesEndpoint.AbsoluteUri, "--headers", $$"""{"Authorization":"Bearer {{token}}" """],
            ["test-connection", "--endpoint", accepting.TracesEndpoint.AbsoluteUri, "--headers", $$"""{"Authorization":"Bearer {{token}}\r\nX: {{apiKey}}"}"""],
            ["test-connection", "--endpoint", accepting.TracesEndpoint.AbsoluteUri, "--header", "Authorization: Bearer " + token],
            ["test-connection", "--endpoint", accepting.TracesEndpoint.AbsoluteUri, .. headers, "--header", "authorization=" + apiKey],
            ["test-connection", "--endpoint", accepting.TracesEndpoint.AbsoluteUri, "--header", "Authorization: Bearer " + token + "==", "--header", "Authorization: Bearer " + token + "=="],
        ];

        var exitCodes = new List<int>();
        foreach (string[] args in runs)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            exitCodes.Add(await CliApp.RunAsync(args, output, error));
            scan.Add($"the output of {args[0]} (run {exitCodes.Count})", output.ToString());
            scan.Add($"the errors of {args[0]} (run {exitCodes.Count})", error.ToString());
        }

        // Every outcome happened: success, refusal by the backend, no response, invalid configuration.
        Assert.Equal([0, 0, 2, 2, 3, 1, 1, 1, 1, 1, 1], exitCodes);
        scan.AssertNoCanary();
    }
}

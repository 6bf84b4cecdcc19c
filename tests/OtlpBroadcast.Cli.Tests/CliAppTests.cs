using System.Net;
using System.Net.Sockets;
using OtlpBroadcast.Cli;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Cli.Tests;

/// <summary>The tool's entry point, run in-process against a loopback receiver.</summary>
public class CliAppTests
{
    private const string RightKey = "Bearer right-c4n4ry-cli-1a2b3c";
    private const string WrongKey = "Bearer wrong-c4n4ry-cli-9z8y7x";

    [Fact]
    public async Task ASuccessfulConnectionTestExitsZeroAndPrintsStatusLatencyAndTraceId()
    {
        await using OtlpTestReceiver receiver = await StartSecured();

        Run run = await RunAsync("test-connection", "--endpoint", receiver.TracesEndpoint.AbsoluteUri, "--header", "Authorization=" + RightKey, "--timeout", "5000");

        Assert.Equal(0, run.ExitCode);
        ReceivedSpan span = Assert.Single(receiver.Spans);
        Assert.Equal("connection-test", span.Name);
        Assert.Equal("otlp-broadcast-cli", span.Resource["service.name"].AsString());
        Assert.Contains("Result:   OK", run.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP 200", run.Output, StringComparison.Ordinal);
        Assert.Contains(" ms", run.Output, StringComparison.Ordinal);
        Assert.Contains("Trace id: " + span.TraceId, run.Output, StringComparison.Ordinal);
        Assert.Contains("Authorization: ***", run.Output, StringComparison.Ordinal);
        run.AssertNoSecrets();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWrongKeyExitsTwoWith401(bool asJson)
    {
        await using OtlpTestReceiver receiver = await StartSecured();
        string[] headers = asJson ? ["--headers", $$"""{"Authorization":"{{WrongKey}}"}"""] : ["--header", "Authorization=" + WrongKey];

        Run run = await RunAsync(["test-connection", "--endpoint", receiver.TracesEndpoint.AbsoluteUri, .. headers]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("401", run.Output, StringComparison.Ordinal);
        Assert.Contains("FAILED", run.Output, StringComparison.Ordinal);
        Assert.Contains("credentials", run.Output, StringComparison.Ordinal);
        run.AssertNoSecrets();
    }

    [Fact]
    public async Task AClosedPortExitsThree()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        Run run = await RunAsync("test-connection", "--endpoint", $"http://127.0.0.1:{port}/v1/traces", "--header", "Authorization=" + RightKey, "--timeout", "3000");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("no response", run.Output, StringComparison.OrdinalIgnoreCase);
        run.AssertNoSecrets();
    }

    [Fact]
    public async Task BadJsonHeadersExitOneWithAClearMessageAndNoValue()
    {
        Run run = await RunAsync("test-connection", "--endpoint", "http://127.0.0.1:4318/v1/traces", "--headers", $$"""{"Authorization":"{{RightKey}}" """);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("not valid JSON", run.Output, StringComparison.Ordinal);
        run.AssertNoSecrets();
    }

    [Theory]
    [InlineData("test-connection")]
    [InlineData("test-connection --endpoint")]
    [InlineData("test-connection --endpoint http://127.0.0.1:4318/v1/traces --timeout soon")]
    [InlineData("test-connection --endpoint http://127.0.0.1:4318/v1/traces --privacy")]
    [InlineData("test-connection --endpoint not-a-url")]
    [InlineData("connect --endpoint http://127.0.0.1:4318/v1/traces")]
    [InlineData("test-connection --endpoint http://127.0.0.1:4318/v1/traces --service-name=")]
    public async Task InvalidArgumentsExitOne(string commandLine)
    {
        Run run = await RunAsync(commandLine.Split(' '));
        Assert.Equal(1, run.ExitCode);
        Assert.NotEmpty(run.Output.Trim());
    }

    [Theory]
    [InlineData("http/protobuf", "none", "application/x-protobuf", null)]
    [InlineData("http/json", "gzip", "application/json", "gzip")]
    [InlineData("HTTP/PROTOBUF", "GZIP", "application/x-protobuf", "gzip")]
    public async Task TheProtocolAndCompressionAreTheOnesAsked(string protocol, string compression, string contentType, string? contentEncoding)
    {
        await using OtlpTestReceiver receiver = await StartSecured();

        Run run = await RunAsync("send-test-trace", "--endpoint", receiver.TracesEndpoint.AbsoluteUri, "--header", "Authorization=" + RightKey,
            "--protocol", protocol, "--compression=" + compression);

        Assert.Equal(0, run.ExitCode);
        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.StartsWith(contentType, request.ContentType, StringComparison.Ordinal);
        Assert.Equal(contentEncoding, request.ContentEncoding);
        Assert.Contains(receiver.Spans, s => s.Attributes.ContainsKey("gen_ai.input.messages"));
        Assert.Contains(protocol.ToLowerInvariant(), run.Output, StringComparison.Ordinal);
        run.AssertNoSecrets();
    }

    [Theory]
    [InlineData("--protocol", "grpc", "OTLP/HTTP")]
    [InlineData("--protocol", "http", "http/json or http/protobuf")]
    [InlineData("--compression", "zstd", "gzip or none")]
    public async Task AnUnsupportedProtocolOrCompressionExitsOneNamingWhatIsSupported(string option, string value, string expected)
    {
        Run run = await RunAsync("test-connection", "--endpoint", "http://127.0.0.1:4318/v1/traces", option, value);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(option, run.Output, StringComparison.Ordinal);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--endpoint", "--header", "Authorization=" + RightKey)]
    [InlineData("--service-name", "--privacy", null)]
    [InlineData("--timeout", "--compression=gzip", null)]
    public async Task AnOptionFollowedByAnotherOptionIsMissingItsValue(string option, string next, string? after)
    {
        // "--service-name --privacy" used to name the service "--privacy" and leave privacy mode off.
        string[] endpoint = option == "--endpoint" ? [] : ["--endpoint", "http://127.0.0.1:4318/v1/traces"];
        string[] rest = after is null ? [] : [after];
        Run run = await RunAsync(["send-test-trace", .. endpoint, option, next, .. rest]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{option} needs a value", run.Output, StringComparison.Ordinal);
        run.AssertNoSecrets();
    }

    [Fact]
    public async Task EveryOptionTheHelpListsIsParsedAndEndsTheValueBeforeIt()
    {
        // The parser's switch, the list of option names that ends a missing value, and the help are three lists: an
        // option the help shows must be parsed (not "Unknown option") and must count as an option after one that needs
        // a value (not be taken as that value).
        Run help = await RunAsync("send-test-trace", "--help");
        string[] options = [.. System.Text.RegularExpressions.Regex.Matches(help.Output[help.Output.IndexOf("Options:", StringComparison.Ordinal)..], @"(?m)^\s+(--[a-z-]+)")
            .Select(m => m.Groups[1].Value).Distinct()];
        Assert.True(options.Length >= 9, $"the help lists {options.Length} options");

        foreach (string option in options)
        {
            Run parsed = await RunAsync("send-test-trace", "--endpoint", "http://127.0.0.1:9/v1/traces", "--timeout", "1", option + "=x");
            Assert.DoesNotContain("Unknown option", parsed.Output, StringComparison.Ordinal);

            string needsValue = option == "--service-name" ? "--timeout" : "--service-name";
            Run missing = await RunAsync("send-test-trace", "--endpoint", "http://127.0.0.1:9/v1/traces", needsValue, option);
            Assert.Contains($"{needsValue} needs a value", missing.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MalformedOrStrayArgumentsAreNotEchoed()
    {
        Run noEquals = await RunAsync("test-connection", "--endpoint", "http://127.0.0.1:4318/v1/traces", "--header", RightKey);
        Assert.Equal(1, noEquals.ExitCode);
        Assert.Contains("name=value", noEquals.Output, StringComparison.Ordinal);
        noEquals.AssertNoSecrets();

        Run stray = await RunAsync("test-connection", "--endpoint", "http://127.0.0.1:4318/v1/traces", RightKey);
        Assert.Equal(1, stray.ExitCode);
        stray.AssertNoSecrets();

        Run typo = await RunAsync("test-connection", "--endpoint", "http://127.0.0.1:4318/v1/traces", "--hedaer=" + RightKey);
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("--hedaer", typo.Output, StringComparison.Ordinal);
        typo.AssertNoSecrets();
    }

    [Fact]
    public async Task CredentialsOverPlainHttpToARemoteHostNeedAllowInsecure()
    {
        Run run = await RunAsync("test-connection", "--endpoint", "http://collector.example.com:4318/v1/traces", "--header", "Authorization=" + RightKey);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("plain http", run.Output, StringComparison.Ordinal);
        run.AssertNoSecrets();
    }

    [Fact]
    public async Task AHeaderGivenTwiceIsRefusedNamingWhichOneWithoutQuotingIt()
    {
        Run run = await RunAsync("test-connection", "--endpoint", "http://127.0.0.1:4318/v1/traces", "--header", "X-A=1", "--header", "Authorization=" + RightKey, "--header", "authorization=" + WrongKey);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Header number 3 given with --header repeats the name of an earlier one", run.Output, StringComparison.Ordinal);
        run.AssertNoSecrets();
    }

    [Fact]
    public async Task SendTestTraceSendsAGenerationTraceWithContent()
    {
        await using OtlpTestReceiver receiver = await StartSecured();

        Run run = await RunAsync("send-test-trace", "--endpoint", receiver.TracesEndpoint.AbsoluteUri, "--headers", $$"""{"Authorization":"{{RightKey}}"}""");

        Assert.Equal(0, run.ExitCode);
        Assert.True(receiver.Spans.Count >= 2);
        Assert.All(receiver.Spans, s => Assert.Contains(s.TraceId, run.Output, StringComparison.Ordinal));
        Assert.Contains(receiver.Spans, s => s.Attributes.ContainsKey("gen_ai.input.messages"));
        run.AssertNoSecrets();
    }

    [Fact]
    public async Task SendTestTraceWithPrivacyLeavesContentOut()
    {
        await using OtlpTestReceiver receiver = await StartSecured();

        Run run = await RunAsync("send-test-trace", "--endpoint", receiver.TracesEndpoint.AbsoluteUri, "--header", "Authorization=" + RightKey, "--privacy");

        Assert.Equal(0, run.ExitCode);
        Assert.True(receiver.Spans.Count >= 2);
        Assert.DoesNotContain(receiver.Spans, s => s.Attributes.ContainsKey("gen_ai.input.messages") || s.Attributes.ContainsKey("gen_ai.output.messages"));
        Assert.Contains("privacy mode", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendTestTraceRefusedExitsTwo()
    {
        await using OtlpTestReceiver receiver = await StartSecured();
        Run run = await RunAsync("send-test-trace", "--endpoint", receiver.TracesEndpoint.AbsoluteUri);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("401", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpExitsZeroAndNoArgumentsExitsOne()
    {
        Run help = await RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("test-connection", help.Output, StringComparison.Ordinal);
        Assert.Contains("send-test-trace", help.Output, StringComparison.Ordinal);

        Run commandHelp = await RunAsync("send-test-trace", "--help");
        Assert.Equal(0, commandHelp.ExitCode);

        Run none = await RunAsync();
        Assert.Equal(1, none.ExitCode);
    }

    [Theory]
    [InlineData("test-connection", new[] { "--endpoint", "--headers", "--header", "--timeout", "--protocol", "--compression", "--allow-insecure", "--service-name" })]
    [InlineData("send-test-trace", new[] { "--endpoint", "--headers", "--header", "--timeout", "--protocol", "--compression", "--privacy", "--allow-insecure", "--service-name" })]
    public async Task EachCommandsUsageShowsEveryOptionItTakes(string command, string[] options)
    {
        Run help = await RunAsync(command, "--help");

        // The usage of a command: its line and the continuation lines under it, up to the next command or blank line.
        string[] lines = help.Output.Split('\n');
        int start = Array.FindIndex(lines, l => l.TrimStart().StartsWith("otlp-broadcast " + command, StringComparison.Ordinal));
        Assert.True(start >= 0, help.Output);
        string usage = string.Join(' ', lines.Skip(start).TakeWhile((l, i) => i == 0 || (l.Trim().Length > 0 && !l.TrimStart().StartsWith("otlp-broadcast ", StringComparison.Ordinal))));
        Assert.All(options, option => Assert.Contains(option, usage, StringComparison.Ordinal));
        if (command == "test-connection")
        {
            Assert.DoesNotContain("--privacy", usage, StringComparison.Ordinal);
        }
    }

    private static Task<OtlpTestReceiver> StartSecured() => OtlpTestReceiver.StartAsync(new OtlpTestReceiverOptions
    {
        RequiredHeaders = { ["Authorization"] = RightKey },
    });

    private static async Task<Run> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await CliApp.RunAsync(args, output, error);
        return new Run(exitCode, output + "\n" + error);
    }

    private sealed record Run(int ExitCode, string Output)
    {
        /// <summary>Fails without printing the output (it would print a leaked secret).</summary>
        public void AssertNoSecrets()
        {
            foreach (string secret in new[] { RightKey, WrongKey, RightKey["Bearer ".Length..], WrongKey["Bearer ".Length..] })
            {
                Assert.False(Output.Contains(secret, StringComparison.Ordinal), "the output contains a header value");
            }
        }
    }
}

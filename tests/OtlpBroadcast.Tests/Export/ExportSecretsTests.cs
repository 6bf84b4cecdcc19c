using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;
using OtlpBroadcast.Testing;
using static OtlpBroadcast.Tests.Export.ExportTestKit;

namespace OtlpBroadcast.Tests.Export;

/// <summary>
/// A backend that echoes the credentials back in its error answer must not make them show up anywhere the SDK
/// reports: results, statistics, reasons, exception messages, <c>ToString</c>. Assertions never print the canary.
/// </summary>
public class ExportSecretsTests
{
    /// <summary>How the backend quotes the credentials in its 401 body.</summary>
    public enum Echo
    {
        /// <summary>The whole Authorization value, e.g. <c>Bearer c4n4ry…</c>.</summary>
        WholeValue,

        /// <summary>Only the token after the scheme, as "invalid API key c4n4ry…".</summary>
        TokenOnly,

        /// <summary>The whole value, placed so that the 512-character cut of a message falls inside the token.</summary>
        AcrossTheMessageCut,
    }

    [Theory]
    [InlineData(Echo.WholeValue)]
    [InlineData(Echo.TokenOnly)]
    [InlineData(Echo.AcrossTheMessageCut)]
    public async Task EchoedCredentialsAppearInNoResultStatisticOrMessage(Echo echo)
    {
        string token = "c4n4ry" + Guid.NewGuid().ToString("N");
        string apiKey = "key-" + Guid.NewGuid().ToString("N");
        var receiverOptions = new OtlpTestReceiverOptions
        {
            Responder = (request, _) => new ReceiverResponse
            {
                StatusCode = 401,
                ContentType = "text/plain",
                Body = EchoBody(echo, request.Headers.GetValueOrDefault("Authorization") ?? "", request.Headers.GetValueOrDefault("X-Api-Key") ?? ""),
            },
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(receiverOptions);
        OtlpDestinationOptions options = Options(receiver, "leaky");
        options.Headers["Authorization"] = "Bearer " + token;
        options.Headers["X-Api-Key"] = apiKey;
        OtlpDestination destination = OtlpDestination.Create(options);
        var reported = new List<(string Where, string? Text)>();

        // The exporter: a final 401, recorded in the statistics.
        DestinationStatistics stats;
        await using (DestinationExporter exporter = Exporter(options))
        {
            EnqueueSpans(exporter, 2);
            await FlushOrFail(exporter);
            stats = exporter.GetStatistics();
            reported.Add(("statistics LastError", stats.LastError));
            reported.Add(("statistics ToString", stats.ToString()));
        }

        // One request through the transport: the ExportResult itself.
        ExportResult result = await new OtlpHttpTransport(destination, Services.HttpClient, TimeProvider.System)
            .SendAsync(Body(), TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal(ExportOutcome.Final, result.Outcome);
        reported.Add(("ExportResult.Message", result.Message));
        reported.Add(("ExportResult.ToString", result.ToString()));

        // The connection test and a save that it refuses.
        ConnectionTestResult test = await ConnectionTester.TestAsync(destination, Services);
        Assert.False(test.Success);
        reported.Add(("ConnectionTestResult.Message", test.Message));
        reported.Add(("ConnectionTestResult.ToString", test.ToString()));
        await using (var registry = new DestinationRegistry(Services))
        {
            DestinationSaveResult save = await registry.SaveAsync(destination);
            Assert.False(save.Saved);
            reported.Add(("DestinationSaveResult.Reason", save.Reason));
            reported.Add(("DestinationSaveResult.ToString", save.ToString()));
        }

        reported.Add(("OtlpDestination.ToString", destination.ToString()));

        // Secrets first: a failing assertion below may print these texts.
        foreach ((string where, string? text) in reported)
        {
            AssertNoSecretPiece(text, token, where);
            AssertNoSecretPiece(text, apiKey, where);
        }

        // The backend did see the credentials, and every answer quoted them in place of which "***" shows.
        Assert.Equal(4, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal(401, r.StatusCode));
        Assert.Equal(2, stats.Dropped(DropReason.FinalHttpError));
        Assert.StartsWith("HTTP 401 (Unauthorized): ", stats.LastError, StringComparison.Ordinal);
        Assert.Contains("***", stats.LastError, StringComparison.Ordinal);
        Assert.Contains("***", result.Message, StringComparison.Ordinal);
        Assert.Contains("***", test.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APartialSuccessMessageQuotingTheCredentialsIsRedacted()
    {
        DestinationStatistics stats = await StatisticsAfterAnswering(
            authorization => ReceiverResponse.PartialSuccess(1, "tenant of " + authorization + " is over quota"));

        Assert.Equal(1, stats.Rejected);
        Assert.Equal("the backend rejected 1 of 2 spans: tenant of *** is over quota", stats.LastError);
    }

    [Fact]
    public async Task AJsonStatusMessageQuotingTheCredentialsIsRedacted()
    {
        // The message of a JSON google.rpc.Status is read out of the body; it is the server's text all the same.
        DestinationStatistics stats = await StatisticsAfterAnswering(
            authorization => new ReceiverResponse { StatusCode = 401, Body = "{\"code\":16,\"message\":\"unknown key " + authorization + "\"}" });

        Assert.Equal("HTTP 401 (Unauthorized): unknown key ***", stats.LastError);
    }

    [Fact]
    public async Task AReasonPhraseQuotingTheCredentialsIsRedactedWhereverItIsReported()
    {
        string token = "c4n4ry" + Guid.NewGuid().ToString("N");
        using var handler = new RespondingHandler(request => new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized)
        {
            ReasonPhrase = "invalid key " + request.Headers.Authorization?.Parameter,
            Content = new ByteArrayContent([]),
        });
        var listener = new RecordingListener();
        var services = new ExporterServices { HttpClient = new HttpMessageInvoker(handler, disposeHandler: false), Resource = Resource, Events = listener };
        OtlpDestinationOptions options = Options(new Uri("https://collector.example.com/v1/traces"), "reason-phrase");
        options.Headers["Authorization"] = "Bearer " + token;
        OtlpDestination destination = OtlpDestination.Create(options);
        var reported = new List<(string Where, string? Text)>();

        await using (DestinationExporter exporter = Exporter(options, services))
        {
            EnqueueSpans(exporter, 1);
            await FlushOrFail(exporter);
            reported.Add(("statistics LastError", exporter.GetStatistics().LastError));
        }

        reported.AddRange(listener.Failures.Select(f => ("an ExportFailed event", (string?)f.Error)));
        ConnectionTestResult test = await ConnectionTester.TestAsync(destination, services);
        reported.Add(("ConnectionTestResult.Message", test.Message));
        await using (var registry = new DestinationRegistry(services))
        {
            reported.Add(("DestinationSaveResult.Reason", (await registry.SaveAsync(destination)).Reason));
        }

        foreach ((string where, string? text) in reported)
        {
            AssertNoSecretPiece(text, token, where);
        }

        Assert.Contains(reported, r => r.Text?.Contains("invalid key ***", StringComparison.Ordinal) == true);
        Assert.Equal("the backend refused the credentials; check the headers. invalid key ***", test.Message);
    }

    [Fact]
    public void ConfigurationErrorsDoNotQuoteTheCredentials()
    {
        string token = "c4n4ry" + Guid.NewGuid().ToString("N");
        var attempts = new Func<OtlpDestination>[]
        {
            () => OtlpDestination.Create("plain-http", "http://collector.example.com/v1/traces", $$"""{"Authorization":"Bearer {{token}}"}"""),
            () => OtlpDestination.Create("bad-json", "https://collector.example.com/v1/traces", $$"""{"Authorization":"Bearer {{token}}" """),
            () => OtlpDestination.Create("not-a-string", "https://collector.example.com/v1/traces", $$"""{"Authorization":["{{token}}"]}"""),
            () => OtlpDestination.Create("line-break", "https://collector.example.com/v1/traces", $$"""{"Authorization":"Bearer {{token}}\r\nX: y"}"""),
        };

        foreach (Func<OtlpDestination> attempt in attempts)
        {
            OtlpConfigurationException error = Assert.Throws<OtlpConfigurationException>(() => attempt());
            AssertNoSecretPiece(error.Message, token, "a configuration error");
            AssertNoSecretPiece(error.ToString(), token, "a configuration exception's ToString");
        }
    }

    private static string EchoBody(Echo echo, string authorization, string apiKey) => echo switch
    {
        Echo.WholeValue => $"invalid credentials: {authorization} (key {apiKey})",
        Echo.TokenOnly => $"invalid API key {authorization[(authorization.IndexOf(' ', StringComparison.Ordinal) + 1)..]}",

        // Messages are cut at 512 characters; 485 dots and "Bearer " leave the first 20 characters of the token.
        _ => new string('.', 485) + authorization,
    };

    private static ReadOnlyMemory<byte> Body()
    {
        SpanFragment fragment = OtlpJsonSpanEncoder.Encode(Span(0));
        try
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            new OtlpJsonEnvelope(Resource).Write(buffer, [fragment]);
            return buffer.WrittenMemory;
        }
        finally
        {
            fragment.Release();
        }
    }

    /// <summary>Exports two spans with a fresh canary token in <c>Authorization</c> to a receiver that answers
    /// <paramref name="answer"/> (given the Authorization value it received), and returns the statistics after the flush,
    /// checked to hold no piece of the token in <see cref="DestinationStatistics.LastError"/>.</summary>
    private static async Task<DestinationStatistics> StatisticsAfterAnswering(Func<string, ReceiverResponse> answer)
    {
        string token = "c4n4ry" + Guid.NewGuid().ToString("N");
        var receiverOptions = new OtlpTestReceiverOptions
        {
            Responder = (request, _) => answer(request.Headers.GetValueOrDefault("Authorization") ?? ""),
        };
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(receiverOptions);
        OtlpDestinationOptions options = Options(receiver);
        options.Headers["Authorization"] = "Bearer " + token;
        await using DestinationExporter exporter = Exporter(options);

        EnqueueSpans(exporter, 2);
        await FlushOrFail(exporter);

        DestinationStatistics stats = exporter.GetStatistics();
        AssertNoSecretPiece(stats.LastError, token, "statistics LastError");
        return stats;
    }

    /// <summary>No eight characters in a row of <paramref name="secret"/> appear in <paramref name="text"/>: a cut
    /// secret is still a leaked one. Says where, never what.</summary>
    private static void AssertNoSecretPiece(string? text, string secret, string where)
    {
        if (text is null)
        {
            return;
        }

        for (int i = 0; i + 8 <= secret.Length; i++)
        {
            AssertNoSecret(text, secret.Substring(i, 8), where);
        }
    }
}

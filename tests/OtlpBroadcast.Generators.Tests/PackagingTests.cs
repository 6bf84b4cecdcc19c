using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace OtlpBroadcast.Generators.Tests;

/// <summary>
/// Packs the runtime and builds and runs a fresh consumer that references only that package, the way a user would.
/// Takes about 20 seconds; set <c>OTLPBROADCAST_SKIP_PACKAGING_TEST=1</c> to skip it in a quick local loop. With
/// <c>OTLPBROADCAST_AOT_CHECK=1</c> the consumer is also published with Native AOT and run (that needs clang and the
/// ILCompiler package, so it is opt-in).
/// </summary>
public class PackagingTests
{
    private const string ConsumerProgram = """
        using System.Text.Json;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using Microsoft.Extensions.Logging;
        using OtlpBroadcast;
        using OtlpBroadcast.Export;
        using OtlpBroadcast.Hosting;
        using OtlpBroadcast.Testing;

        var request = new ChatRequest { Model = "gpt-4o", Prompt = "secret", Metadata = new() { ["env"] = "prod" } };
        Console.WriteLine(JsonSerializer.Serialize(request, Consumer.OtlpAttributesJsonContext.ContentWithheld.ChatRequest));

        // The hosting package: a destination from options, a recorded generation, the flush on shutdown.
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddOtlpBroadcast(options => options.AddDestination(
            new OtlpDestinationOptions { Name = "local", Endpoint = receiver.TracesEndpoint.AbsoluteUri, PrivacyMode = true }));
        using (IHost host = builder.Build())
        {
            await host.StartAsync();
            GenerationBroadcaster broadcaster = host.Services.GetRequiredService<GenerationBroadcaster>();
            broadcaster.Start(request, new GenerationContext { Model = request.Model }).Complete(new Reply { Answer = "secret answer" });
            await host.StopAsync();
        }

        IReadOnlyList<ReceivedSpan> spans = await receiver.WaitForSpansAsync(2, TimeSpan.FromSeconds(20));
        Console.WriteLine(string.Join(",", spans.Select(s => s.Name).Order(StringComparer.Ordinal)));
        Console.WriteLine(spans.Any(s => s.Attributes.Any(a => a.Value.ToString().Contains("secret", StringComparison.Ordinal))) ? "content leaked" : "no content");

        [OtlpAttributes]
        public sealed partial class ChatRequest
        {
            [OtlpAttribute(GenAiAttributes.RequestModel)] public string Model { get; set; } = "";
            [OtlpAttribute(GenAiAttributes.Prompt), OtlpSensitive] public string? Prompt { get; set; }
            [OtlpFlatten(GenAiAttributes.TraceMetadataPrefix)] public Dictionary<string, string>? Metadata { get; set; }
        }

        [OtlpAttributes]
        public sealed partial class Reply
        {
            [OtlpAttribute(GenAiAttributes.Completion), OtlpSensitive] public string? Answer { get; set; }
        }
        """;

    private const string ExpectedOutput = """
        [{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"trace.metadata.env","value":{"stringValue":"prod"}}]
        chat gpt-4o,chat request
        no content
        """;

    [Fact]
    public void PackageCarriesRuntimeAndGeneratorAndWorksForAFreshConsumer()
    {
        if (Environment.GetEnvironmentVariable("OTLPBROADCAST_SKIP_PACKAGING_TEST") == "1")
        {
            return;
        }

        string root = RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("otlpbroadcast-pack-").FullName;

        // A version of its own per run, so the consumer restores this build and never a cached older one.
        string version = "0.1.0-packtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            string feed = Path.Combine(work, "feed");
            // --no-build: pack what this test run already built. Building here (with another version) would replace
            // the runtime assembly under the other test projects' feet while they run.
            foreach (string project in new[] { "OtlpBroadcast", "OtlpBroadcast.Testing", "OtlpBroadcast.Hosting" })
            {
                Run(root, "dotnet", "pack", Path.Combine(root, "src", project, project + ".csproj"),
                    "--no-build", "-c", BuildConfiguration, "-o", feed, "-p:PackageVersion=" + version);
            }

            string package = Path.Combine(feed, $"OtlpBroadcast.{version}.nupkg");
            using (ZipArchive archive = ZipFile.OpenRead(package))
            {
                string[] entries = archive.Entries.Select(e => e.FullName).ToArray();
                Assert.Contains("lib/net10.0/OtlpBroadcast.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/OtlpBroadcast.Generators.dll", entries);
                using var nuspec = new StreamReader(archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
                Assert.DoesNotContain("OtlpBroadcast.Generators", nuspec.ReadToEnd(), StringComparison.Ordinal);
            }

            string consumer = Path.Combine(work, "Consumer");
            Directory.CreateDirectory(consumer);
            File.WriteAllText(Path.Combine(work, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="local-pack" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <IsAotCompatible>true</IsAotCompatible>
                    <JsonSerializerIsReflectionEnabledByDefault>false</JsonSerializerIsReflectionEnabledByDefault>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="OtlpBroadcast" Version="{version}" />
                    <PackageReference Include="OtlpBroadcast.Testing" Version="{version}" />
                    <PackageReference Include="OtlpBroadcast.Hosting" Version="{version}" />
                    <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.12" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), ConsumerProgram);

            string output = Run(consumer, "dotnet", "run", "--project", Path.Combine(consumer, "Consumer.csproj"));

            Assert.Equal(ExpectedOutput, output.Trim());

            if (Environment.GetEnvironmentVariable("OTLPBROADCAST_AOT_CHECK") == "1")
            {
                string published = Path.Combine(work, "aot");
                Run(consumer, "dotnet", "publish", Path.Combine(consumer, "Consumer.csproj"), "-c", "Release", "-p:PublishAot=true", "-o", published);
                Assert.Equal(ExpectedOutput, Run(consumer, Path.Combine(published, "Consumer")).Trim());
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            foreach (string id in new[] { "otlpbroadcast", "otlpbroadcast.testing", "otlpbroadcast.hosting" })
            {
                string restored = Path.Combine(GlobalPackagesFolder(), id, version);
                if (Directory.Exists(restored))
                {
                    Directory.Delete(restored, recursive: true);
                }
            }
        }
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    private static string GlobalPackagesFolder()
        => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string Run(string directory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }


        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(4)), $"{fileName} {string.Join(' ', arguments)} timed out");
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} failed:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    private static string RepositoryRoot([CallerFilePath] string path = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}

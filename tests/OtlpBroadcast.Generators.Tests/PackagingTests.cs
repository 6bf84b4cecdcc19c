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
        using OtlpBroadcast;

        var request = new ChatRequest { Model = "gpt-4o", Prompt = "secret", Metadata = new() { ["env"] = "prod" } };
        Console.WriteLine(JsonSerializer.Serialize(request, Consumer.OtlpAttributesJsonContext.ContentWithheld.ChatRequest));

        [OtlpAttributes]
        public sealed partial class ChatRequest
        {
            [OtlpAttribute(GenAiAttributes.RequestModel)] public string Model { get; set; } = "";
            [OtlpAttribute(GenAiAttributes.Prompt), OtlpSensitive] public string? Prompt { get; set; }
            [OtlpFlatten(GenAiAttributes.TraceMetadataPrefix)] public Dictionary<string, string>? Metadata { get; set; }
        }
        """;

    private const string ExpectedOutput =
        """[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"trace.metadata.env","value":{"stringValue":"prod"}}]""";

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
            Run(root, "dotnet", "pack", Path.Combine(root, "src", "OtlpBroadcast", "OtlpBroadcast.csproj"),
                "--no-build", "-c", BuildConfiguration, "-o", feed, "-p:PackageVersion=" + version);

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
            string restored = Path.Combine(GlobalPackagesFolder(), "otlpbroadcast", version);
            if (Directory.Exists(restored))
            {
                Directory.Delete(restored, recursive: true);
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

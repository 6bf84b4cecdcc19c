using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace OtlpBroadcast.IntegrationTests;

/// <summary>
/// A real, independently written OTLP backend for tests: the standalone Aspire Dashboard
/// (<c>Aspire.Dashboard.Sdk.linux-x64</c>, fetched by this project's restore as a <c>PackageDownload</c>), started on
/// free loopback ports with OTLP API-key authentication and its read-back API on, and stopped (process tree killed,
/// temporary HOME deleted) on dispose. Reusable by any test class as a fixture.
/// </summary>
public sealed class AspireDashboard : IAsyncDisposable
{
    /// <summary>The package version the project file downloads.</summary>
    public const string PackageVersion = "13.6.5";

    private const string PackageId = "aspire.dashboard.sdk.linux-x64";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly string _home;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _api;

    private AspireDashboard(Process process, string home, Uri apiBase, Uri otlpBase, string otlpKey, string apiKey)
    {
        _process = process;
        _home = home;
        ApiBase = apiBase;
        TracesEndpoint = new Uri(otlpBase, "/v1/traces");
        OtlpApiKey = otlpKey;
        _api = new HttpClient { BaseAddress = apiBase, Timeout = TimeSpan.FromSeconds(30) };
        _api.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    /// <summary>The OTLP/HTTP traces URL (<c>http://127.0.0.1:PORT/v1/traces</c>).</summary>
    public Uri TracesEndpoint { get; }

    /// <summary>The base URL of the UI and read-back API.</summary>
    public Uri ApiBase { get; }

    /// <summary>The key OTLP clients must send in the <c>x-otlp-api-key</c> header (random per instance).</summary>
    public string OtlpApiKey { get; }

    /// <summary>The operating-system process id of the dashboard.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Where the binary is: under the NuGet global packages folder (<c>NUGET_PACKAGES</c>, else
    /// <c>~/.nuget/packages</c>), where restore put it.</summary>
    public static string BinaryPath()
    {
        string? root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrWhiteSpace(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        return Path.Combine(root, PackageId, PackageVersion, "tools", "Aspire.Dashboard");
    }

    /// <summary>Starts a dashboard and waits until its API answers.</summary>
    public static async Task<AspireDashboard> StartAsync()
    {
        string binary = BinaryPath();
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException(
                $"The Aspire Dashboard binary is not at {binary}. Restore tests/OtlpBroadcast.IntegrationTests (it downloads {PackageId} {PackageVersion}).");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException($"The integration tests run the linux-x64 Aspire Dashboard; this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        }

        EnsureExecutable(binary);
        int apiPort = FreePort();
        int otlpPort = FreePort();
        int grpcPort = FreePort();
        string otlpKey = "otlp-" + Guid.NewGuid().ToString("N");
        string apiKey = "api-" + Guid.NewGuid().ToString("N");
        string home = Directory.CreateTempSubdirectory("aspire-dashboard-").FullName;

        var start = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(binary)!,
        };
        start.Environment["HOME"] = home;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{apiPort}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{otlpPort}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{grpcPort}";
        start.Environment["Dashboard__Frontend__AuthMode"] = "Unsecured";
        start.Environment["Dashboard__Api__Enabled"] = "true";
        start.Environment["Dashboard__Otlp__AuthMode"] = "ApiKey";
        start.Environment["Dashboard__Otlp__PrimaryApiKey"] = otlpKey;
        start.Environment["Dashboard__Api__AuthMode"] = "ApiKey";
        start.Environment["Dashboard__Api__PrimaryApiKey"] = apiKey;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        Process process = Process.Start(start) ?? throw new InvalidOperationException("The Aspire Dashboard did not start.");
        var dashboard = new AspireDashboard(
            process, home, new Uri($"http://127.0.0.1:{apiPort}"), new Uri($"http://127.0.0.1:{otlpPort}"), otlpKey, apiKey);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await dashboard.WaitUntilReadyAsync().ConfigureAwait(false);
            return dashboard;
        }
        catch
        {
            await dashboard.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The spans the dashboard stored for a trace (empty when none), read back through its API.</summary>
    public async Task<IReadOnlyList<StoredSpan>> GetTraceAsync(string traceId)
    {
        using HttpResponseMessage response = await _api.GetAsync(new Uri($"/api/telemetry/traces/{traceId}", UriKind.Relative)).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET traces/{traceId} answered {(int)response.StatusCode}: {body}");
        }

        return StoredSpan.Parse(body);
    }

    /// <summary>Reads a trace until it holds <paramref name="count"/> spans (the dashboard stores asynchronously).</summary>
    public async Task<IReadOnlyList<StoredSpan>> WaitForTraceAsync(string traceId, int count, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<StoredSpan> spans = [];
        while (watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(20)))
        {
            spans = await GetTraceAsync(traceId).ConfigureAwait(false);
            if (spans.Count >= count)
            {
                return spans;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"trace {traceId} holds {spans.Count} span(s), expected {count}");
    }

    /// <summary>The dashboard's console output so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Kills the process tree and deletes the temporary HOME.</summary>
    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_home, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The Aspire Dashboard exited with code {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using HttpResponseMessage response = await _api.GetAsync(new Uri("/api/telemetry/resources", UriKind.Relative)).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"The Aspire Dashboard did not answer within {StartTimeout.TotalSeconds} s:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 200_000)
            {
                _log.AppendLine(line);
            }
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void EnsureExecutable(string binary)
    {
        UnixFileMode mode = File.GetUnixFileMode(binary);
        const UnixFileMode Execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(binary, mode | Execute);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>
/// One span as the dashboard returns it. Aspire gives every attribute back as a <c>stringValue</c> (bool
/// <c>"true"</c>, double <c>"3.5"</c>, arrays as JSON text) and rounds times to 100 ns, so values are compared as text.
/// </summary>
public sealed record StoredSpan
{
    public required string TraceId { get; init; }
    public required string SpanId { get; init; }
    public string? ParentSpanId { get; init; }
    public required string Name { get; init; }
    public int Kind { get; init; }
    public long StartTimeUnixNano { get; init; }
    public long EndTimeUnixNano { get; init; }
    public int StatusCode { get; init; }
    public string? StatusMessage { get; init; }
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
    public required IReadOnlyDictionary<string, string> Resource { get; init; }
    public string? ScopeName { get; init; }
    public IReadOnlyList<string> EventNames { get; init; } = [];

    public string this[string key] => Attributes.TryGetValue(key, out string? value)
        ? value
        : throw new KeyNotFoundException($"span '{Name}' has no attribute '{key}'; it has: {string.Join(", ", Attributes.Keys)}");

    public override string ToString() => $"{Name} ({SpanId})";

    internal static IReadOnlyList<StoredSpan> Parse(string body)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        var spans = new List<StoredSpan>();
        if (!document.RootElement.TryGetProperty("data", out JsonElement data)
            || !data.TryGetProperty("resourceSpans", out JsonElement resourceSpans))
        {
            return spans;
        }

        foreach (JsonElement resourceSpan in resourceSpans.EnumerateArray())
        {
            IReadOnlyDictionary<string, string> resource = resourceSpan.TryGetProperty("resource", out JsonElement r)
                ? ReadAttributes(r)
                : new Dictionary<string, string>();
            foreach (JsonElement scopeSpan in resourceSpan.GetProperty("scopeSpans").EnumerateArray())
            {
                string? scope = scopeSpan.TryGetProperty("scope", out JsonElement s) && s.TryGetProperty("name", out JsonElement n) ? n.GetString() : null;
                foreach (JsonElement span in scopeSpan.GetProperty("spans").EnumerateArray())
                {
                    JsonElement status = span.TryGetProperty("status", out JsonElement st) ? st : default;
                    spans.Add(new StoredSpan
                    {
                        TraceId = span.GetProperty("traceId").GetString()!,
                        SpanId = span.GetProperty("spanId").GetString()!,
                        ParentSpanId = span.TryGetProperty("parentSpanId", out JsonElement p) && p.GetString() is { Length: > 0 } parent ? parent : null,
                        Name = span.GetProperty("name").GetString()!,
                        Kind = span.TryGetProperty("kind", out JsonElement k) ? k.GetInt32() : 0,
                        StartTimeUnixNano = Nanos(span, "startTimeUnixNano"),
                        EndTimeUnixNano = Nanos(span, "endTimeUnixNano"),
                        StatusCode = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("code", out JsonElement c) ? c.GetInt32() : 0,
                        StatusMessage = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("message", out JsonElement m) ? m.GetString() : null,
                        Attributes = ReadAttributes(span),
                        Resource = resource,
                        ScopeName = scope,
                        EventNames = span.TryGetProperty("events", out JsonElement events)
                            ? [.. events.EnumerateArray().Select(e => e.GetProperty("name").GetString()!)]
                            : [],
                    });
                }
            }
        }

        return spans;
    }

    private static long Nanos(JsonElement span, string name)
    {
        if (!span.TryGetProperty(name, out JsonElement value))
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetInt64();
    }

    private static Dictionary<string, string> ReadAttributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!owner.TryGetProperty("attributes", out JsonElement list))
        {
            return attributes;
        }

        foreach (JsonElement item in list.EnumerateArray())
        {
            string key = item.GetProperty("key").GetString()!;
            string text = "";
            if (item.TryGetProperty("value", out JsonElement value))
            {
                foreach (JsonProperty field in value.EnumerateObject())
                {
                    text = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()! : field.Value.GetRawText();
                }
            }

            attributes[key] = text;
        }

        return attributes;
    }
}

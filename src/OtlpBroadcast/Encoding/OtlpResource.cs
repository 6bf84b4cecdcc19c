using System.Reflection;

namespace OtlpBroadcast;

/// <summary>
/// The resource every exported span belongs to (the service) and the instrumentation scope (this SDK).
/// </summary>
public sealed class OtlpResource
{
    /// <summary>Creates a resource with a <c>service.name</c> and optional further attributes.</summary>
    public OtlpResource(string serviceName, IEnumerable<SpanAttribute>? attributes = null)
    {
        if (string.IsNullOrWhiteSpace(serviceName))
        {
            throw new ArgumentException("service.name must not be empty.", nameof(serviceName));
        }

        ServiceName = serviceName;
        List<SpanAttribute> list = [new SpanAttribute("service.name", serviceName)];
        if (attributes is not null)
        {
            // A key given twice keeps its last value, as OTEL_RESOURCE_ATTRIBUTES parsing does in other SDKs.
            foreach (SpanAttribute attribute in attributes)
            {
                if (attribute.Key == "service.name")
                {
                    continue;
                }

                int existing = list.FindIndex(a => a.Key == attribute.Key);
                if (existing >= 0)
                {
                    list[existing] = attribute;
                }
                else
                {
                    list.Add(attribute);
                }
            }
        }

        // Keys of a resource are unique, and what the caller gives wins over the SDK's own description.
        AddUnlessGiven(list, "telemetry.sdk.name", SdkInfo.Name);
        AddUnlessGiven(list, "telemetry.sdk.language", "dotnet");
        AddUnlessGiven(list, "telemetry.sdk.version", SdkInfo.Version);
        Attributes = list;
    }

    private static void AddUnlessGiven(List<SpanAttribute> list, string key, string value)
    {
        if (!list.Exists(a => a.Key == key))
        {
            list.Add(new SpanAttribute(key, value));
        }
    }

    /// <summary>The default resource: <c>service.name</c> = <c>unknown_service:&lt;process name&gt;</c>, as the
    /// OpenTelemetry specification says for a service that did not name itself.</summary>
    public static OtlpResource Default { get; } = new("unknown_service:" + SdkInfo.ProcessName);

    /// <summary>
    /// The resource the OpenTelemetry variables describe: <c>OTEL_SERVICE_NAME</c> (or <c>service.name</c> in
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c>), then the other <c>OTEL_RESOURCE_ATTRIBUTES</c>; the default name when neither
    /// gives one.
    /// </summary>
    public static OtlpResource FromEnvironment(Configuration.OtlpEnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new OtlpResource(
            settings.ServiceName ?? Default.ServiceName,
            settings.ResourceAttributes.Select(a => new SpanAttribute(a.Key, a.Value)));
    }

    /// <summary>The <c>service.name</c> attribute.</summary>
    public string ServiceName { get; }

    /// <summary>Every resource attribute, <c>service.name</c> first.</summary>
    public IReadOnlyList<SpanAttribute> Attributes { get; }
}

/// <summary>Name and version of this SDK, as sent in the instrumentation scope and the User-Agent.</summary>
public static class SdkInfo
{
    /// <summary>The SDK name, also the instrumentation scope name.</summary>
    public const string Name = "OtlpBroadcast";

    /// <summary>The SDK version (informational version of the runtime assembly, without build metadata).</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>The User-Agent: the SDK, then the form the OTLP specification suggests for exporters.</summary>
    public static string UserAgent { get; } = $"{Name}/{Version} OTel-OTLP-Exporter-DotNet/{Version}";

    internal static string ProcessName { get; } = ReadProcessName();

    private static string ReadVersion()
    {
        string? version = typeof(SdkInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(version))
        {
            return "0.0.0";
        }

        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? version[..plus] : version;
    }

    private static string ReadProcessName()
    {
        try
        {
            return System.Diagnostics.Process.GetCurrentProcess().ProcessName;
        }
        catch (InvalidOperationException)
        {
            return "dotnet";
        }
        catch (PlatformNotSupportedException)
        {
            return "dotnet";
        }
    }
}

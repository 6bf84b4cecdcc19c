using Microsoft.Extensions.Options;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Hosting;

/// <summary>
/// Checks the options at start-up by building every destination, so that a bad endpoint or header fails the host's
/// start with the runtime's message (which never quotes a header value), not the first export.
/// </summary>
internal sealed class OtlpBroadcastOptionsValidator : IValidateOptions<OtlpBroadcastOptions>
{
    public ValidateOptionsResult Validate(string? name, OtlpBroadcastOptions options)
    {
        try
        {
            _ = Resource(options);
            _ = Destinations(options);
            // The exporters' rule: Timeout.InfiniteTimeSpan (-1 ms) is "no deadline", any other negative value is refused.
            if (options.ShutdownTimeout < TimeSpan.Zero && options.ShutdownTimeout != Timeout.InfiniteTimeSpan)
            {
                return ValidateOptionsResult.Fail("OtlpBroadcast: ShutdownTimeout must not be negative, except Timeout.InfiniteTimeSpan (-00:00:00.001) for no deadline.");
            }

            if (options.MaxDedicatedExportThreads < 0)
            {
                return ValidateOptionsResult.Fail("OtlpBroadcast: MaxDedicatedExportThreads must not be negative; 0 sends through the IHttpClientFactory client on the thread pool.");
            }

            return ValidateOptionsResult.Success;
        }
        catch (OtlpConfigurationException exception)
        {
            return ValidateOptionsResult.Fail("OtlpBroadcast: " + exception.Message);
        }
    }

    /// <summary>The resource: the options' service name and attributes over the OTEL variables' (when read).</summary>
    internal static OtlpResource Resource(OtlpBroadcastOptions options)
    {
        OtlpEnvironmentSettings? environment = options.UseOtelEnvironment ? ReadEnvironment(options) : null;
        var attributes = new List<SpanAttribute>();
        if (environment is not null)
        {
            attributes.AddRange(environment.ResourceAttributes.Select(a => new SpanAttribute(a.Key, a.Value)));
        }

        attributes.AddRange(options.ResourceAttributes.Select(a => new SpanAttribute(a.Key, a.Value)));
        // The section wins over the variables, its ServiceName over a service.name among its ResourceAttributes (which the
        // resource would otherwise leave out, as it takes service.name from the name alone).
        string? sectionAttribute = options.ResourceAttributes.GetValueOrDefault("service.name");
        string serviceName = !string.IsNullOrWhiteSpace(options.ServiceName) ? options.ServiceName
            : !string.IsNullOrWhiteSpace(sectionAttribute) ? sectionAttribute
            : environment?.ServiceName ?? OtlpResource.Default.ServiceName;
        return new OtlpResource(serviceName, attributes);
    }

    /// <summary>Every destination, validated: configuration's, the OTEL variables', then code's.</summary>
    /// <exception cref="OtlpConfigurationException">One is invalid, the network policy refuses one, or two share a
    /// name.</exception>
    internal static List<OtlpDestination> Destinations(OtlpBroadcastOptions options)
    {
        var destinations = new List<OtlpDestination>();
        for (int i = 0; i < options.Destinations.Count; i++)
        {
            destinations.Add(Create(options.Destinations[i].ToDestinationOptions(), $"Destinations:{i}"));
        }

        if (options.UseOtelEnvironment && ReadEnvironment(options) is { TracesEndpoint: not null, SdkDisabled: false } environment)
        {
            destinations.Add(Create(new OtlpDestinationOptions { Name = options.EnvironmentDestinationName }.ApplyEnvironment(environment), "the OTEL_* variables"));
        }

        foreach (OtlpDestinationOptions code in options.CodeDestinations)
        {
            destinations.Add(Create(code, "added in code"));
        }

        DestinationNetworkPolicy policy = options.NetworkPolicy.ToPolicy();
        foreach (OtlpDestination destination in destinations)
        {
            policy.Validate(destination);
        }

        string? duplicate = destinations.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new OtlpConfigurationException($"Two destinations are named '{duplicate}'; names must be unique.");
        }

        return destinations;
    }

    /// <summary>Creates a destination; a message that does not say which destination it is about gets its name and
    /// <paramref name="origin"/> in front (with several destinations, "Headers are not valid JSON" alone says too little).</summary>
    private static OtlpDestination Create(OtlpDestinationOptions options, string origin)
    {
        try
        {
            return OtlpDestination.Create(options);
        }
        catch (OtlpConfigurationException exception) when (!exception.Message.Contains($"Destination '{options.Name}'", StringComparison.Ordinal))
        {
            throw new OtlpConfigurationException($"Destination '{options.Name}' ({origin}): {exception.Message}", exception);
        }
    }

    private static OtlpEnvironmentSettings ReadEnvironment(OtlpBroadcastOptions options)
        => options.GetEnvironmentVariable is { } get ? OtlpEnvironment.Read(get) : OtlpEnvironment.Read();
}

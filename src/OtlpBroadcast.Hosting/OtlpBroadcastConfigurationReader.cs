using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Hosting;

/// <summary>
/// Reads the options from configuration with the binder (its source generator: no reflection over the values), and
/// refuses what the binder would ignore or quote: a key that binds to no setting (ignored, a misspelt PrivacyMode would
/// leave privacy off, and misspelt Headers the credentials out, without anyone noticing) and a value that does not
/// convert (the binder's message, and its inner exception's, would quote the value, which may be a credential under the
/// wrong key; these messages name the key only). A destination's <c>Protocol</c> and <c>Compression</c> take their enum
/// names (<c>HttpProtobuf</c>, what the binder converts) or OpenTelemetry's spellings (<c>http/protobuf</c>, <c>gzip</c>,
/// as <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> spells them), either ignoring case.
/// </summary>
internal static class OtlpBroadcastConfigurationReader
{
    /// <summary>The keys of a destination's section (configuration keys ignore case).</summary>
    private static readonly string[] DestinationKeys = SettingNames(typeof(OtlpBroadcastDestinationOptions));

    /// <summary>The keys of a destination's <c>Broadcast</c> section.</summary>
    private static readonly string[] BroadcastKeys = SettingNames(typeof(OtlpBroadcastSettingsOptions));

    /// <summary>Binds <paramref name="options"/> from <paramref name="configuration"/> (the <c>OtlpBroadcast</c> section).</summary>
    /// <exception cref="InvalidOperationException">A key binds to no setting (the binder's message, which names the key).</exception>
    /// <exception cref="OtlpConfigurationException">A value does not convert to its setting's type.</exception>
    public static void Bind(IConfiguration configuration, OtlpBroadcastOptions options)
    {
        int before = options.Destinations.Count;
        using ConfigurationRoot overlay = WithEnumNames(
            configuration, configuration.GetSection("Destinations").GetChildren().Select(d => ("Destinations:" + d.Key + ":", d)));
        WithoutValues(PathOf(configuration), () => overlay.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true));

        // Destinations keyed by name (OtlpBroadcast__Destinations__axiom__Endpoint=…) take the key as their name when
        // they give none, as in the gateway; keyed by index, they keep the default. The binder adds them in this order
        // (the overlay's, which it read).
        int index = before;
        foreach (IConfigurationSection destination in overlay.GetSection("Destinations").GetChildren())
        {
            if (index < options.Destinations.Count && KeyAsName(destination) is { } name)
            {
                options.Destinations[index].Name = name;
            }

            index++;
        }
    }

    /// <summary>Reads one destination from its section, as <see cref="Bind"/> reads each of <c>Destinations</c>.</summary>
    /// <exception cref="OtlpConfigurationException">A single value stands where a section or list belongs, a key is
    /// not a setting (the message names it with its path), or a value does not convert to its setting's type.</exception>
    public static OtlpBroadcastDestinationOptions ReadDestination(IConfigurationSection section)
    {
        var problems = new List<string>();
        OtlpBroadcastConfigurationShapeValidator.CheckDestination(section, problems);
        if (problems.Count > 0)
        {
            throw new OtlpConfigurationException(string.Join(" ", problems));
        }

        RefuseUnknownKeys(section, DestinationKeys, "a destination setting");
        RefuseUnknownKeys(section.GetSection("Broadcast"), BroadcastKeys, "a Broadcast setting");
        var options = new OtlpBroadcastDestinationOptions();
        using (ConfigurationRoot overlay = WithEnumNames(section, [(string.Empty, section)]))
        {
            WithoutValues(section.Path, () => overlay.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true));
        }

        options.Name = KeyAsName(section) ?? options.Name;
        return options;
    }

    /// <summary>
    /// <paramref name="configuration"/> as the binder is to read it: the <c>Protocol</c> and <c>Compression</c> of each
    /// destination (its section with the path of its keys relative to <paramref name="configuration"/>) that are in
    /// OpenTelemetry's spelling read as their enum names, which the binder converts; every other value as it is, for the
    /// binder to convert or refuse (<c>grpc</c> reads as <c>Grpc</c>, which binds, and which the validator refuses as it
    /// refuses <c>Grpc</c>). The caller's configuration is not changed: the names sit in a provider of the overlay's own,
    /// after the configuration's. Dispose the overlay after binding: while it lives it follows the configuration's
    /// reload token, and each reload binds again.
    /// </summary>
    private static ConfigurationRoot WithEnumNames(IConfiguration configuration, IEnumerable<(string Path, IConfigurationSection Section)> destinations)
    {
        var names = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((string path, IConfigurationSection destination) in destinations)
        {
            if (OtlpWireNames.TryParse(destination["Protocol"], out OtlpProtocol protocol))
            {
                names[path + "Protocol"] = protocol.ToString();
            }

            if (OtlpWireNames.TryParse(destination["Compression"], out OtlpCompression compression))
            {
                names[path + "Compression"] = compression.ToString();
            }
        }

        return new ConfigurationRoot(
        [
            new ChainedConfigurationProvider(new ChainedConfigurationSource { Configuration = configuration, ShouldDisposeConfiguration = false }),
            new MemoryConfigurationProvider(new MemoryConfigurationSource { InitialData = names }),
        ]);
    }

    /// <summary>The path of <paramref name="configuration"/> (a section's, e.g. <c>OtlpBroadcast</c>; a root's is
    /// empty), which the binder's messages about an overlay leave out.</summary>
    private static string PathOf(IConfiguration configuration) => (configuration as IConfigurationSection)?.Path ?? string.Empty;

    /// <summary>The key of a destination that gives no <c>Name</c>, unless it is an index.</summary>
    private static string? KeyAsName(IConfigurationSection destination)
        => destination["Name"] is null && !int.TryParse(destination.Key, out _) ? destination.Key : null;

    /// <exception cref="OtlpConfigurationException">A key of <paramref name="section"/> is not one of
    /// <paramref name="keys"/>; the message names it, never its value.</exception>
    private static void RefuseUnknownKeys(IConfigurationSection section, string[] keys, string what)
    {
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            if (!keys.Contains(setting.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new OtlpConfigurationException($"{setting.Path} is not {what}; the settings are {string.Join(", ", keys)}.");
            }
        }
    }

    /// <summary>Runs <paramref name="bind"/>; a value it cannot convert is reported by its key and type alone, the key's
    /// path under <paramref name="path"/> (the path of the configuration that <paramref name="bind"/> reads an overlay
    /// of).</summary>
    private static void WithoutValues(string path, Action bind)
    {
        try
        {
            bind();
        }
        catch (InvalidOperationException exception) when (exception.InnerException is not null)
        {
            // "Failed to convert configuration value '<value>' at '<path>' to type '<type>'.": keep the path and the type.
            string message = exception.Message;
            int at = message.LastIndexOf("' at '", StringComparison.Ordinal);
            int type = at < 0 ? -1 : message.IndexOf("' to type '", at, StringComparison.Ordinal);
            throw new OtlpConfigurationException(type < 0
                ? "A value of the OtlpBroadcast configuration does not convert to its setting's type (the value is not shown: it could be a credential)."
                : $"The value at '{Combine(path, message[(at + 6)..type])}' does not convert to {message[(type + 11)..].TrimEnd('.', '\'')} (the value is not shown: it could be a credential).");
        }
    }

    /// <summary><paramref name="key"/> (a path relative to an overlay) under <paramref name="path"/>.</summary>
    private static string Combine(string path, string key) => path.Length == 0 ? key : ConfigurationPath.Combine(path, key);

    private static string[] SettingNames([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type options)
        => [.. options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name)];
}

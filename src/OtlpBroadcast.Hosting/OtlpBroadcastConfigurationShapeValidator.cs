using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace OtlpBroadcast.Hosting;

/// <summary>
/// Refuses a single value where the options take a list or a section (an environment variable such as
/// <c>OtlpBroadcast__Destinations__0__Broadcast__IncludeModels=openai/*</c> or <c>…__Headers=Authorization=Bearer …</c>):
/// the binder ignores it, so a model filter would let every model through and a destination would go without its
/// credentials, silently. The message names the key, never the value, which may be a credential.
/// </summary>
internal sealed class OtlpBroadcastConfigurationShapeValidator(IConfiguration configuration) : IValidateOptions<OtlpBroadcastOptions>
{
    private const string List = "a list (keys :0, :1, … or a JSON array)";
    private const string Section = "a section of settings";

    public ValidateOptionsResult Validate(string? name, OtlpBroadcastOptions options)
    {
        if (name != Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        var problems = new List<string>();
        Check(configuration.GetSection("Destinations"), List, problems);
        Check(configuration.GetSection("ResourceAttributes"), Section + " (name: value)", problems);
        Check(configuration.GetSection("NetworkPolicy"), Section, problems);
        Check(configuration.GetSection("NetworkPolicy:AllowedHosts"), List, problems);
        foreach (IConfigurationSection destination in configuration.GetSection("Destinations").GetChildren())
        {
            CheckDestination(destination, problems);
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "OtlpBroadcast: " + p));
    }

    /// <summary>Adds to <paramref name="problems"/> a message for each single value in <paramref name="destination"/>
    /// where a section or a list belongs (the destination itself, its headers, its broadcast settings and model filter).</summary>
    internal static void CheckDestination(IConfigurationSection destination, List<string> problems)
    {
        Check(destination, Section, problems);
        Check(destination.GetSection("Headers"), Section + " (name: value; HeadersJson takes a JSON object as one value)", problems);
        Check(destination.GetSection("Broadcast"), Section, problems);
        Check(destination.GetSection("Broadcast:IncludeModels"), List, problems);
    }

    // An empty value is what an empty JSON array or object, or an empty variable, leaves: nothing set.
    private static void Check(IConfigurationSection section, string expected, List<string> problems)
    {
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            problems.Add($"{section.Path} must be {expected}, not a single value.");
        }
    }
}

using System.Globalization;
using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Cli;

/// <summary>What the command line asked for, parsed by hand (no reflection, so the tool trims and compiles ahead of time).</summary>
internal sealed class CliArguments
{
    public required string Command { get; init; }

    public string? Endpoint { get; private set; }

    public string? HeadersJson { get; private set; }

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public TimeSpan? Timeout { get; private set; }

    public OtlpProtocol Protocol { get; private set; } = OtlpProtocol.HttpJson;

    public OtlpCompression Compression { get; private set; } = OtlpCompression.None;

    public bool Privacy { get; private set; }

    public bool AllowInsecure { get; private set; }

    public string? ServiceName { get; private set; }

    public bool Help { get; private set; }

    /// <summary>Parses the options after the command.</summary>
    /// <exception cref="CliUsageException">An option is unknown, repeated or malformed. The message never quotes a value.</exception>
    public static CliArguments Parse(string command, IReadOnlyList<string> args)
    {
        var parsed = new CliArguments { Command = command };
        for (int i = 0; i < args.Count; i++)
        {
            string token = args[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) && token is not "-h")
            {
                // Not quoted: a stray argument may well be a secret that lost its option.
                throw new CliUsageException($"Unexpected argument at position {i + 2}; options start with --.");
            }

            string name = token;
            string? inline = null;
            int equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = token[..equals];
                inline = token[(equals + 1)..];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                // The next token is the value unless it is one of the options: "--service-name --privacy" is a
                // missing name, not a service called --privacy with privacy mode left off.
                if (i + 1 >= args.Count || IsOption(args[i + 1]))
                {
                    throw new CliUsageException($"{name} needs a value.");
                }

                return args[++i];
            }

            switch (name)
            {
                case "--help" or "-h":
                    parsed.Help = true;
                    break;
                case "--endpoint":
                    parsed.Endpoint = Once(parsed.Endpoint, name, Value());
                    break;
                case "--headers":
                    parsed.HeadersJson = Once(parsed.HeadersJson, name, Value());
                    break;
                case "--header":
                    parsed.Headers.Add(ParseHeader(Value()));
                    break;
                case "--timeout":
                    parsed.Timeout = ParseTimeout(Value());
                    break;
                case "--protocol":
                    parsed.Protocol = ParseProtocol(Value());
                    break;
                case "--compression":
                    parsed.Compression = ParseCompression(Value());
                    break;
                case "--service-name":
                    parsed.ServiceName = Once(parsed.ServiceName, name, NotBlank(name, Value()));
                    break;
                case "--privacy" when command == CliApp.SendTestTrace:
                    parsed.Privacy = Flag(inline, name);
                    break;
                case "--allow-insecure":
                    parsed.AllowInsecure = Flag(inline, name);
                    break;
                default:
                    throw new CliUsageException($"Unknown option {SafeOptionName(name)} for {command}; see otlp-broadcast {command} --help.");
            }
        }

        if (!parsed.Help && string.IsNullOrWhiteSpace(parsed.Endpoint))
        {
            throw new CliUsageException("--endpoint is required: the full OTLP traces URL, e.g. https://api.axiom.co/v1/traces.");
        }

        return parsed;
    }

    private static string Once(string? current, string name, string value)
        => current is null ? value : throw new CliUsageException($"{name} is given twice.");

    private static string NotBlank(string name, string value)
        => string.IsNullOrWhiteSpace(value) ? throw new CliUsageException($"{name} needs a value that is not empty.") : value;

    private static bool Flag(string? inline, string name) => inline switch
    {
        null or "true" => true,
        "false" => false,
        _ => throw new CliUsageException($"{name} is a switch; give it alone (or =true / =false)."),
    };

    private static KeyValuePair<string, string> ParseHeader(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new CliUsageException("--header expects name=value, e.g. --header \"Authorization=Bearer <token>\".");
        }

        return new(text[..equals].Trim(), text[(equals + 1)..]);
    }

    private static OtlpProtocol ParseProtocol(string text)
    {
        if (!OtlpWireNames.TryParse(text, out OtlpProtocol protocol))
        {
            throw new CliUsageException("--protocol expects http/json or http/protobuf.");
        }

        return protocol == OtlpProtocol.Grpc
            ? throw new CliUsageException("--protocol grpc is not supported: the tool sends OTLP/HTTP; use http/protobuf or http/json.")
            : protocol;
    }

    private static OtlpCompression ParseCompression(string text) => OtlpWireNames.TryParse(text, out OtlpCompression compression)
        ? compression
        : throw new CliUsageException("--compression expects gzip or none.");

    private static TimeSpan ParseTimeout(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int milliseconds) || milliseconds < 1 || milliseconds > 3_600_000)
        {
            throw new CliUsageException("--timeout expects whole milliseconds between 1 and 3600000.");
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>The options the tool takes (with <c>--privacy</c>, which only <c>send-test-trace</c> takes); a test holds
    /// this list, the switch above and the help's list of options to the same names.</summary>
    private static readonly string[] OptionNames =
        ["--help", "-h", "--endpoint", "--headers", "--header", "--timeout", "--protocol", "--compression", "--service-name", "--privacy", "--allow-insecure"];

    /// <summary>Whether <paramref name="token"/> is one of the options, alone or as <c>--name=value</c>.</summary>
    private static bool IsOption(string token)
        => OptionNames.Any(option => token.StartsWith(option, StringComparison.Ordinal) && (token.Length == option.Length || token[option.Length] == '='));

    /// <summary>An option name is shown only when it looks like one (a short run of letters, digits and dashes).</summary>
    private static string SafeOptionName(string name)
        => name.Length <= 32 && name.Skip(2).All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? name : "(not shown)";
}

/// <summary>The command line is wrong; the message says how, without quoting values.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

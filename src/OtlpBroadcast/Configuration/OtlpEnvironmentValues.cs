using System.Globalization;

namespace OtlpBroadcast.Configuration;

/// <summary>Parsers for the single-valued variables. These values are not secret, so errors quote them.</summary>
internal static class OtlpEnvironmentValues
{
    public static TimeSpan ParseMilliseconds(string variable, string text)
    {
        // NumberStyles.None rejects signs, decimals and separators: "-1", "1.5" and "1,000" are all mistakes.
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int milliseconds))
        {
            throw new OtlpConfigurationException(
                $"{variable} must be a whole number of milliseconds from 0 to {int.MaxValue}, but was '{text}'.");
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    public static int ParsePositiveInteger(string variable, string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value == 0)
        {
            throw new OtlpConfigurationException(
                $"{variable} must be a whole number from 1 to {int.MaxValue}, but was '{text}'.");
        }

        return value;
    }

    public static OtlpCompression ParseCompression(string variable, string text)
        => OtlpWireNames.TryParse(text, out OtlpCompression compression)
            ? compression
            : throw new OtlpConfigurationException($"{variable} must be 'gzip' or 'none', but was '{text}'.");

    public static OtlpProtocol ParseProtocol(string variable, string text)
        => OtlpWireNames.TryParse(text, out OtlpProtocol protocol)
            ? protocol
            : throw new OtlpConfigurationException($"{variable} must be one of 'http/json', 'http/protobuf' or 'grpc', but was '{text}'.");
}

namespace OtlpBroadcast.Configuration;

/// <summary>
/// Thrown when exporter or destination configuration is invalid. The message names the setting and the
/// problem; it never contains a header value or any other secret.
/// </summary>
public sealed class OtlpConfigurationException : Exception
{
    /// <summary>Creates the exception with a message that names the invalid setting.</summary>
    public OtlpConfigurationException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public OtlpConfigurationException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a default message.</summary>
    public OtlpConfigurationException() : base("The OTLP configuration is invalid.") { }
}

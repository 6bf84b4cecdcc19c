using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.Tests.Export;

public class EnvironmentDestinationTests
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void BuildsADestinationFromTheStandardVariables()
    {
        OtlpDestination destination = OtlpDestination.FromEnvironment("env", Variables(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example.com:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc,X-Dataset=traces"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1000"),
            ("OTEL_BSP_SCHEDULE_DELAY", "250"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "4000")));

        Assert.Equal("env", destination.Name);
        Assert.Equal(new Uri("https://collector.example.com:4318/v1/traces"), destination.Endpoint);
        Assert.Equal([new("Authorization", "Bearer abc"), new("X-Dataset", "traces")], destination.Headers.Pairs);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), destination.Timeout);
        Assert.Equal(OtlpCompression.Gzip, destination.Compression);
        Assert.Equal(100, destination.MaxQueueSize);
        Assert.Equal(100, destination.MaxExportBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), destination.ScheduledDelay);
        Assert.Equal(TimeSpan.FromSeconds(4), destination.ExportTimeout);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "0", "OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "3600001", "OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT")]
    [InlineData("OTEL_BSP_EXPORT_TIMEOUT", "0", "OTEL_BSP_EXPORT_TIMEOUT")]
    [InlineData("OTEL_BSP_SCHEDULE_DELAY", "3600001", "OTEL_BSP_SCHEDULE_DELAY")]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "1000001", "OTEL_BSP_MAX_QUEUE_SIZE")]
    [InlineData("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1000001", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE")]
    public void AValueOutsideTheDestinationsLimitsIsAnErrorNamingTheVariable(string name, string value, string expected)
    {
        // The destination refused it as "Timeout must be more than zero and at most one hour", naming no variable.
        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.FromEnvironment("env", Variables(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example.com:4318"),
            (name, value))));

        Assert.StartsWith(expected + " must be ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true")]
    [InlineData(" TRUE ")]
    public void OtelSdkDisabledMeansTheVariablesDescribeNoDestination(string disabled)
    {
        // The OpenTelemetry switch that turns every exporter the variables configure into a no-op.
        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.FromEnvironment("env", Variables(
            ("OTEL_SDK_DISABLED", disabled),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example.com:4318"))));

        Assert.Contains("OTEL_SDK_DISABLED", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("1")]
    [InlineData("yes")]
    public void OtelSdkDisabledOtherThanTrueLeavesTheDestination(string disabled)
    {
        OtlpDestination destination = OtlpDestination.FromEnvironment("env", Variables(
            ("OTEL_SDK_DISABLED", disabled),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example.com:4318")));

        Assert.Equal(new Uri("https://collector.example.com:4318/v1/traces"), destination.Endpoint);
    }

    [Theory]
    [InlineData("Authorization=Bearer sk-1,SecretTokenValue=tail\u00e9", "non-ASCII")]
    [InlineData("Authorization=Bearer sk-1,SecretTokenValue=%C3%A9", "non-ASCII")]
    [InlineData("Authorization=Bearer sk-1,Content-Length=SecretTokenValue", "transport")]
    public void AHeaderPieceThatARawCommaCutFromACredentialIsRefusedByPositionWithoutItsName(string headers, string problem)
    {
        // A raw ',' inside a credential splits it: the piece after it looks like "name=value", and its "name" is part
        // of the secret. Found by the hostile-input properties: the destination's message quoted that "name".
        OtlpConfigurationException error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.FromEnvironment("env", Variables(
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector.example.com/v1/traces"),
            ("OTEL_EXPORTER_OTLP_HEADERS", headers))));

        Assert.Contains("Header 2 of OTEL_EXPORTER_OTLP_(TRACES_)HEADERS", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SecretTokenValue", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-1", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RequiresAnEndpoint()
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.FromEnvironment("env", Variables(("OTEL_EXPORTER_OTLP_ENDPOINT", " "))));
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT is set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HttpProtobufFromTheEnvironmentSelectsProtobuf()
    {
        OtlpDestination destination = OtlpDestination.FromEnvironment("env", Variables(
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")));
        Assert.Equal(OtlpProtocol.HttpProtobuf, destination.Protocol);
        Assert.Equal(SpanEncoding.Protobuf, destination.Encoding);
    }

    [Fact]
    public void GrpcFromTheEnvironmentIsAClearError()
    {
        var error = Assert.Throws<OtlpConfigurationException>(() => OtlpDestination.FromEnvironment("env", Variables(
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))));
        Assert.Contains("grpc is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResourceComesFromServiceNameAndResourceAttributes()
    {
        OtlpEnvironmentSettings settings = OtlpEnvironment.Read(Variables(
            ("OTEL_SERVICE_NAME", "gateway"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored,deployment.environment=staging,team=a,team=b")));

        OtlpResource resource = OtlpResource.FromEnvironment(settings);

        Assert.Equal("gateway", resource.ServiceName);
        Assert.Equal(("service.name", "gateway"), (resource.Attributes[0].Key, resource.Attributes[0].Value.StringValue));
        Assert.Equal("staging", resource.Attributes.Single(a => a.Key == "deployment.environment").Value.StringValue);
        Assert.Equal("b", resource.Attributes.Single(a => a.Key == "team").Value.StringValue);
        Assert.Single(resource.Attributes, a => a.Key == "service.name");
    }

    [Fact]
    public void WithoutAServiceNameTheResourceIsUnknownService()
    {
        OtlpResource resource = OtlpResource.FromEnvironment(OtlpEnvironment.Read(Variables()));
        Assert.StartsWith("unknown_service:", resource.ServiceName, StringComparison.Ordinal);
    }
}

using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Tests.Configuration;

// Variable names are spelled out rather than taken from the SDK so that a misspelt name in the SDK fails here.
public class OtlpEnvironmentTests
{
    private static OtlpEnvironmentSettings Read(params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value);
        return OtlpEnvironment.Read(name => environment.TryGetValue(name, out string? value) ? value : null);
    }

    private static OtlpConfigurationException ReadFails(params (string Name, string Value)[] variables) =>
        Assert.Throws<OtlpConfigurationException>(() => Read(variables));

    private static KeyValuePair<string, string> Pair(string key, string value) => new(key, value);

    // ---- Unset and empty ----

    [Fact]
    public void NothingSetLeavesEverythingUnset()
    {
        OtlpEnvironmentSettings settings = Read();

        Assert.Null(settings.TracesEndpoint);
        Assert.Empty(settings.Headers);
        Assert.Null(settings.Timeout);
        Assert.Null(settings.Compression);
        Assert.Null(settings.Protocol);
        Assert.Null(settings.ServiceName);
        Assert.Empty(settings.ResourceAttributes);
        Assert.Null(settings.MaxQueueSize);
        Assert.Null(settings.MaxExportBatchSize);
        Assert.Null(settings.ScheduledDelay);
        Assert.Null(settings.ExportTimeout);
    }

    public static TheoryData<string, string> EveryVariableWithBlankValue()
    {
        string[] names =
        [
            "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
            "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
        ];
        var data = new TheoryData<string, string>();
        foreach (string name in names)
        {
            data.Add(name, "");
            data.Add(name, " \t ");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryVariableWithBlankValue))]
    public void BlankVariableCountsAsUnset(string name, string blank)
    {
        OtlpEnvironmentSettings settings = Read((name, blank));

        Assert.Equal(Read().ToString(), settings.ToString());
    }

    [Fact]
    public void BlankSignalSpecificVariablesFallBackToGenericOnes()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", " "),
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", ""),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", ""),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", ""),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", ""));

        Assert.Equal(new Uri("http://collector:4318/v1/traces"), settings.TracesEndpoint);
        Assert.Equal([Pair("a", "1")], settings.Headers);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Timeout);
        Assert.Equal(OtlpCompression.Gzip, settings.Compression);
        Assert.Equal(OtlpProtocol.Grpc, settings.Protocol);
    }

    [Fact]
    public void WithTheSdkDisabledTheExporterVariablesAreNeitherReadNorValidated()
    {
        // OTEL_SDK_DISABLED is the switch that turns the exporter off, also (above all) when its settings are broken:
        // an invalid endpoint, headers or timeout made Read throw, so the process could not start with it switched off.
        (string, string)[] service = [("OTEL_SERVICE_NAME", "checkout"), ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging")];
        OtlpEnvironmentSettings settings = Read(
        [
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "Authorization"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
            .. service,
        ]);

        Assert.True(settings.SdkDisabled);
        // Every exporter setting unset; the service still described (destinations in code or configuration use it).
        Assert.Equal(Read(service).ToString(), settings.ToString());
    }

    [Fact]
    public void ReadRejectsNullLookup() =>
        Assert.Throws<ArgumentNullException>(() => OtlpEnvironment.Read(null!));

    // ---- Endpoint ----

    [Theory]
    [InlineData("http://collector:4318", "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/", "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/otlp", "http://collector:4318/otlp/v1/traces")]
    [InlineData("http://collector:4318/otlp/", "http://collector:4318/otlp/v1/traces")]
    [InlineData("  https://collector/otlp  ", "https://collector/otlp/v1/traces")]
    public void GenericEndpointIsABaseUrlForTheTracesPath(string endpoint, string expected)
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint));

        Assert.Equal(expected, settings.TracesEndpoint?.AbsoluteUri);
    }

    [Fact]
    public void GenericEndpointKeepsItsQueryAfterTheAppendedPath()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/otlp?tenant=a"));

        Assert.Equal("http://collector:4318/otlp/v1/traces?tenant=a", settings.TracesEndpoint?.AbsoluteUri);
    }

    [Fact]
    public void GenericEndpointDoesNotReEncodeAnEscapedPath()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/my%20otlp"));

        Assert.Equal("http://collector:4318/my%20otlp/v1/traces", settings.TracesEndpoint?.AbsoluteUri);
    }

    [Theory]
    [InlineData("http://collector:4318/custom/traces", "http://collector:4318/custom/traces")]
    [InlineData("http://collector:4318/custom/", "http://collector:4318/custom/")]
    [InlineData("http://collector:4318", "http://collector:4318/")]
    [InlineData("https://collector/v1/traces?tenant=a", "https://collector/v1/traces?tenant=a")]
    public void TracesEndpointIsUsedAsIs(string endpoint, string expected)
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint));

        Assert.Equal(expected, settings.TracesEndpoint?.AbsoluteUri);
    }

    [Fact]
    public void TracesEndpointWinsOverGenericEndpoint()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://specific:4318/traces"));

        Assert.Equal("http://specific:4318/traces", settings.TracesEndpoint?.AbsoluteUri);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "/v1/traces")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector/")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/#part")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "file://\u202e\\a/")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "v1/traces")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://collector:4317")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces#part")]
    // Credentials in the URL were let through here and refused later, by a message that named no variable.
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "https://user:Pa55w0rdXyz@collector:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://Pa55w0rdXyz@collector:4318/v1/traces")]
    public void InvalidEndpointIsAnErrorNamingTheVariable(string name, string endpoint)
    {
        OtlpConfigurationException error = ReadFails((name, endpoint));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Pa55w0rdXyz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EndpointErrorDoesNotQuoteCredentialsInTheUrl()
    {
        OtlpConfigurationException error = ReadFails(
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://user:Pa55w0rdXyz@collector/?key=K3yK3yK3y"));

        Assert.DoesNotContain("Pa55w0rdXyz", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("K3yK3yK3y", error.Message, StringComparison.Ordinal);
    }

    // ---- Headers ----

    [Fact]
    public void HeadersAreSplitOnCommasWithWhitespaceTrimmed()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_HEADERS", " api-key = abc , x-tenant=t1,x-empty="));

        Assert.Equal([Pair("api-key", "abc"), Pair("x-tenant", "t1"), Pair("x-empty", "")], settings.Headers);
    }

    [Fact]
    public void HeaderValuesArePercentDecoded()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20xyz,x-note=caf%C3%A9%2Cplus+sign,x-edge=%20padded%20"));

        Assert.Equal(
            [Pair("Authorization", "Bearer xyz"), Pair("x-note", "café,plus+sign"), Pair("x-edge", " padded ")],
            settings.Headers);
    }

    [Fact]
    public void HeaderKeysAreNotPercentDecoded()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_HEADERS", "x%41b=v"));

        Assert.Equal("x%41b", Assert.Single(settings.Headers).Key);
    }

    [Fact]
    public void HeaderValueMayContainEqualsSigns()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_HEADERS", "x-token=abc=def=="));

        Assert.Equal([Pair("x-token", "abc=def==")], settings.Headers);
    }

    [Fact]
    public void EmptyHeaderEntriesAreSkipped()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_HEADERS", ",a=1,, ,b=2,"));

        Assert.Equal([Pair("a", "1"), Pair("b", "2")], settings.Headers);
    }

    [Fact]
    public void RepeatedHeaderKeysAreKeptInOrder()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_HEADERS", "x-a=1,x-a=2"));

        Assert.Equal([Pair("x-a", "1"), Pair("x-a", "2")], settings.Headers);
    }

    [Fact]
    public void TracesHeadersReplaceGenericHeadersAsAWhole()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "c=3"));

        Assert.Equal([Pair("c", "3")], settings.Headers);
    }

    [Theory]
    [InlineData("a=1,SecretTokenValue", "entry 2")]
    [InlineData("a=1,,SecretTokenValue", "entry 3")]
    [InlineData(" =SecretTokenValue", "entry 1")]
    [InlineData("a=1,x-key=SecretTokenValue%zz", "entry 2")]
    [InlineData("x-key=SecretTokenValue%4", "entry 1")]
    [InlineData("x-key=SecretTokenValue%C3%28", "entry 1")]
    [InlineData("x-key=SecretTokenValue%0D%0AX-Injected: 1", "entry 1")]
    [InlineData("bad name=SecretTokenValue", "entry 1")]
    public void BadHeaderEntryIsAnErrorThatNamesTheVariableAndPositionButHidesTheSecret(string headers, string position)
    {
        foreach (string name in new[] { "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS" })
        {
            OtlpConfigurationException error = ReadFails((name, headers));

            Assert.Contains(name, error.Message, StringComparison.Ordinal);
            Assert.Contains(position, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SecretTokenValue", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SecretTokenValue", error.ToString(), StringComparison.Ordinal);
        }
    }

    // ---- Timeout ----

    [Theory]
    [InlineData("2500", 2500)]
    [InlineData("0", 0)]
    [InlineData(" 10000 ", 10000)]
    public void TimeoutIsInMilliseconds(string value, int milliseconds)
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_TIMEOUT", value));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), settings.Timeout);
    }

    [Fact]
    public void TracesTimeoutWinsOverGenericTimeout()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2000"));

        Assert.Equal(TimeSpan.FromSeconds(2), settings.Timeout);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "abc")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "1.5")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "-1")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "99999999999")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1e3")]
    public void InvalidTimeoutIsAnErrorNamingTheVariableAndValue(string name, string value)
    {
        OtlpConfigurationException error = ReadFails((name, value));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    // ---- Compression ----

    [Theory]
    [InlineData("gzip", OtlpCompression.Gzip)]
    [InlineData("GZIP", OtlpCompression.Gzip)]
    [InlineData("none", OtlpCompression.None)]
    [InlineData("None", OtlpCompression.None)]
    public void CompressionIsGzipOrNoneInAnyCase(string value, OtlpCompression expected)
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_COMPRESSION", value));

        Assert.Equal(expected, settings.Compression);
    }

    [Fact]
    public void TracesCompressionWinsOverGenericCompression()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"));

        Assert.Equal(OtlpCompression.None, settings.Compression);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "deflate")]
    public void UnknownCompressionIsAnErrorNamingTheVariable(string name, string value)
    {
        OtlpConfigurationException error = ReadFails((name, value));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains("gzip", error.Message, StringComparison.Ordinal);
    }

    // ---- Protocol ----

    [Theory]
    [InlineData("http/json", OtlpProtocol.HttpJson)]
    [InlineData("http/protobuf", OtlpProtocol.HttpProtobuf)]
    [InlineData("grpc", OtlpProtocol.Grpc)]
    [InlineData("HTTP/JSON", OtlpProtocol.HttpJson)]
    public void ProtocolIsParsed(string value, OtlpProtocol expected)
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_EXPORTER_OTLP_PROTOCOL", value));

        Assert.Equal(expected, settings.Protocol);
    }

    [Fact]
    public void TracesProtocolWinsOverGenericProtocol()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"));

        Assert.Equal(OtlpProtocol.HttpJson, settings.Protocol);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "json")]
    public void UnknownProtocolIsAnErrorListingTheAcceptedValues(string name, string value)
    {
        OtlpConfigurationException error = ReadFails((name, value));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains("'http/json'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'http/protobuf'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'grpc'", error.Message, StringComparison.Ordinal);
    }

    // ---- Signal-specific variables hide the generic ones ----

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "no-equals", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "a=1")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "abc", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "100")]
    [InlineData("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")]
    public void OverriddenGenericVariableIsNotValidated(string generic, string invalid, string specific, string valid)
    {
        Assert.Throws<OtlpConfigurationException>(() => Read((generic, invalid)));

        OtlpEnvironmentSettings settings = Read((generic, invalid), (specific, valid));

        Assert.NotNull(settings);
    }

    // ---- Resource attributes and service name ----

    [Fact]
    public void ResourceAttributesAreParsedWithKeysAndValuesDecoded()
    {
        // The resource specification: "The , and = characters in keys and values MUST be percent encoded", so keys are
        // decoded too (unlike header names, which are HTTP tokens).
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment = prod%20eu ,k%20ey=a=b,,host.name=h1,a%2Cb%3Dc=1"));

        Assert.Equal(
            [Pair("deployment.environment", "prod eu"), Pair("k ey", "a=b"), Pair("host.name", "h1"), Pair("a,b=c", "1")],
            settings.ResourceAttributes);
    }

    [Fact]
    public void EncodedServiceNameKeyInResourceAttributesNamesTheService()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_RESOURCE_ATTRIBUTES", "service%2Ename=checkout"));

        Assert.Equal("checkout", settings.ServiceName);
    }

    [Theory]
    [InlineData("a=1,novalue", "entry 2")]
    [InlineData("=x", "entry 1")]
    [InlineData("a=%G0", "entry 1")]
    [InlineData("a=1,k%G0=1", "entry 2")]
    public void BadResourceAttributeEntryIsAnErrorNamingTheVariableAndPosition(string value, string position)
    {
        OtlpConfigurationException error = ReadFails(("OTEL_RESOURCE_ATTRIBUTES", value));

        Assert.Contains("OTEL_RESOURCE_ATTRIBUTES", error.Message, StringComparison.Ordinal);
        Assert.Contains(position, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceNameVariableWinsOverResourceAttributeWhichIsKeptAsParsed()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_SERVICE_NAME", " checkout "),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=legacy,team=payments"));

        Assert.Equal("checkout", settings.ServiceName);
        Assert.Equal([Pair("service.name", "legacy"), Pair("team", "payments")], settings.ResourceAttributes);
    }

    [Fact]
    public void ServiceNameFallsBackToTheLastServiceNameResourceAttribute()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=first,service.name=my%20service"));

        Assert.Equal("my service", settings.ServiceName);
    }

    [Fact]
    public void EmptyServiceNameResourceAttributeLeavesServiceNameUnset()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_RESOURCE_ATTRIBUTES", "service.name=,team=payments"));

        Assert.Null(settings.ServiceName);
    }

    [Fact]
    public void ServiceNameResourceAttributeKeyIsCaseSensitive()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_RESOURCE_ATTRIBUTES", "Service.Name=wrong"));

        Assert.Null(settings.ServiceName);
    }

    // ---- Batch span processor ----

    [Fact]
    public void MaxQueueSizeIsRead() =>
        Assert.Equal(4096, Read(("OTEL_BSP_MAX_QUEUE_SIZE", "4096")).MaxQueueSize);

    [Fact]
    public void MaxExportBatchSizeIsRead() =>
        Assert.Equal(256, Read(("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "256")).MaxExportBatchSize);

    [Fact]
    public void ScheduleDelayIsReadInMilliseconds() =>
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Read(("OTEL_BSP_SCHEDULE_DELAY", "1500")).ScheduledDelay);

    [Fact]
    public void ExportTimeoutIsReadInMilliseconds() =>
        Assert.Equal(TimeSpan.FromMilliseconds(45000), Read(("OTEL_BSP_EXPORT_TIMEOUT", "45000")).ExportTimeout);

    [Fact]
    public void ZeroDelaysAreAllowed()
    {
        OtlpEnvironmentSettings settings = Read(("OTEL_BSP_SCHEDULE_DELAY", "0"), ("OTEL_BSP_EXPORT_TIMEOUT", "0"));

        Assert.Equal(TimeSpan.Zero, settings.ScheduledDelay);
        Assert.Equal(TimeSpan.Zero, settings.ExportTimeout);
    }

    [Fact]
    public void BatchSizeLargerThanQueueSizeIsKeptForTheConsumerToClamp()
    {
        OtlpEnvironmentSettings settings = Read(
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"));

        Assert.Equal(100, settings.MaxQueueSize);
        Assert.Equal(500, settings.MaxExportBatchSize);
    }

    [Theory]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "0")]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "-5")]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "big")]
    [InlineData("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0")]
    [InlineData("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "12.5")]
    [InlineData("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "3000000000")]
    [InlineData("OTEL_BSP_SCHEDULE_DELAY", "-1")]
    [InlineData("OTEL_BSP_SCHEDULE_DELAY", "5s")]
    [InlineData("OTEL_BSP_EXPORT_TIMEOUT", "-1")]
    [InlineData("OTEL_BSP_EXPORT_TIMEOUT", "30.0")]
    public void InvalidBatchProcessorNumberIsAnErrorNamingTheVariableAndValue(string name, string value)
    {
        OtlpConfigurationException error = ReadFails((name, value));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }
}

using System.Globalization;
using System.Text.Json;
using OtlpBroadcast.Configuration;
using OtlpBroadcast.Export;

namespace OtlpBroadcast.IntegrationTests;

/// <summary>Destinations aimed at the dashboard, and comparisons of what it stored with what was sent.</summary>
internal static class RealBackendKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static readonly OtlpResource Resource = new("otlpbroadcast-integration", [new SpanAttribute("deployment.environment", "integration")]);

    public static ExporterServices Services { get; } = new() { Resource = Resource };

    public static OtlpDestinationOptions Options(AspireDashboard dashboard, OtlpProtocol protocol, string name = "aspire", bool privacyMode = false, string? key = null)
    {
        var options = new OtlpDestinationOptions
        {
            Name = name,
            Endpoint = dashboard.TracesEndpoint.AbsoluteUri,
            Protocol = protocol,
            PrivacyMode = privacyMode,
            ScheduledDelay = TimeSpan.FromMinutes(30),
            Timeout = TimeSpan.FromSeconds(20),
            ExportTimeout = TimeSpan.FromSeconds(60),
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
        };
        options.Headers["x-otlp-api-key"] = key ?? dashboard.OtlpApiKey;
        return options;
    }

    /// <summary>Every sent attribute arrived with the same value, compared as text (Aspire stores every value as a
    /// string): strings exactly, integers and booleans by their invariant text, doubles by value, arrays as JSON.</summary>
    public static void AssertSameAttributes(OtlpSpan sent, StoredSpan stored, bool includeContent = true)
    {
        foreach (SpanAttribute attribute in sent.Attributes)
        {
            if (attribute.IsContent && !includeContent)
            {
                Assert.False(stored.Attributes.ContainsKey(attribute.Key), $"content attribute {attribute.Key} reached a privacy-mode destination");
                continue;
            }

            string text = stored[attribute.Key];
            AssertSameValue(attribute.Key, attribute.Value, text);
        }
    }

    public static void AssertSameValue(string key, AttributeValue expected, string stored)
    {
        switch (expected.Kind)
        {
            case AttributeValueKind.String:
                Assert.True(expected.StringValue == stored, $"{key}: expected {expected.StringValue?.Length} chars, stored {stored.Length} chars ({Preview(stored)})");
                break;
            case AttributeValueKind.Int:
                Assert.Equal(expected.IntValue.ToString(CultureInfo.InvariantCulture), stored);
                break;
            case AttributeValueKind.Bool:
                Assert.Equal(expected.BoolValue ? "true" : "false", stored, ignoreCase: true);
                break;
            case AttributeValueKind.Double:
                Assert.Equal(expected.DoubleValue, double.Parse(stored, CultureInfo.InvariantCulture));
                break;
            case AttributeValueKind.Array:
                using (JsonDocument document = JsonDocument.Parse(stored))
                {
                    JsonElement[] items = [.. document.RootElement.EnumerateArray()];
                    Assert.Equal(expected.ArrayValue.Length, items.Length);
                    for (int i = 0; i < items.Length; i++)
                    {
                        string itemText = items[i].ValueKind == JsonValueKind.String ? items[i].GetString()! : items[i].GetRawText();
                        AssertSameValue($"{key}[{i}]", expected.ArrayValue[i], itemText);
                    }
                }

                break;
            default:
                Assert.Fail($"{key}: no text comparison for {expected.Kind}");
                break;
        }
    }

    /// <summary>Name, ids, parent, kind, times and status as sent.</summary>
    public static void AssertSameFrame(OtlpSpan sent, StoredSpan stored)
    {
        Assert.Equal(sent.Name, stored.Name);
        Assert.Equal(sent.TraceId.ToString(), stored.TraceId);
        Assert.Equal(sent.SpanId.ToString(), stored.SpanId);
        Assert.Equal(sent.ParentSpanId.IsValid ? sent.ParentSpanId.ToString() : null, stored.ParentSpanId);
        Assert.Equal((int)sent.Kind, stored.Kind);
        Assert.Equal(sent.StartTimeUnixNano, stored.StartTimeUnixNano);
        Assert.Equal(sent.EndTimeUnixNano, stored.EndTimeUnixNano);
        Assert.Equal((int)sent.Status.Code, stored.StatusCode);
        Assert.Equal(string.IsNullOrEmpty(sent.Status.Message) ? null : sent.Status.Message, string.IsNullOrEmpty(stored.StatusMessage) ? null : stored.StatusMessage);
        Assert.Equal(Resource.ServiceName, stored.Resource["service.name"]);
        Assert.Equal(SdkInfo.Name, stored.ScopeName);
    }

    public static StoredSpan Find(IReadOnlyList<StoredSpan> spans, OtlpSpan sent)
        => spans.SingleOrDefault(s => s.SpanId == sent.SpanId.ToString())
            ?? throw new Xunit.Sdk.XunitException($"span '{sent.Name}' ({sent.SpanId}) was not stored; stored: {string.Join(", ", spans)}");

    private static string Preview(string text) => text.Length <= 80 ? text : text[..80] + "…";
}

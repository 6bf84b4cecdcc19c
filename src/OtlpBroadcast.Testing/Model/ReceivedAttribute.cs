namespace OtlpBroadcast.Testing;

/// <summary>One OTLP <c>KeyValue</c>.</summary>
/// <param name="Key">The attribute key.</param>
/// <param name="Value">The typed value.</param>
public sealed record ReceivedAttribute(string Key, ReceivedValue Value)
{
    /// <summary>Renders <c>key = value</c>.</summary>
    public override string ToString() => $"{Key} = {Value}";
}

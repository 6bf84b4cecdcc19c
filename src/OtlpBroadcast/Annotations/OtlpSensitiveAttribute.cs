namespace OtlpBroadcast;

/// <summary>
/// Classifies a member as sensitive content (prompts, completions, tool arguments, system instructions). The
/// classification is compiled into the generated writer; whether the content is written is decided per destination
/// at run time (nothing is written for a destination in privacy mode).
/// </summary>
/// <remarks>
/// Only members that can carry content may be sensitive: strings, string collections and dictionaries,
/// <see cref="System.Text.Json.JsonElement"/>, and <see cref="OtlpAttributesAttribute"/> types and collections of
/// them. An object member that is sensitive is written as one JSON string (e.g. the chat messages of
/// <c>gen_ai.input.messages</c>), serialised by generated code without reflection.
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class OtlpSensitiveAttribute : Attribute
{
}

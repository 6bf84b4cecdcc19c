using Microsoft.CodeAnalysis;

namespace OtlpBroadcast.Generators.Diagnostics;

/// <summary>Every mistake the generator can report. Ids are stable: add new ones, never reuse a retired one.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "OtlpBroadcast.Generator";

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        "OTB0001",
        "Member type cannot be written as an OTLP attribute",
        "Member '{0}' of '{1}' has type '{2}', which cannot be written as an OTLP attribute{3}; change its type, or add [OtlpIgnore]");

    public static readonly DiagnosticDescriptor DuplicateKey = Create(
        "OTB0002",
        "Duplicate attribute key",
        "Member '{0}' of '{1}' writes the key '{2}', which member '{3}' already writes; give one of them another key with [OtlpAttribute], or add [OtlpIgnore]");

    public static readonly DiagnosticDescriptor InvalidKey = Create(
        "OTB0003",
        "Invalid attribute key",
        "Member '{0}' of '{1}' has the invalid key or prefix '{2}': {3}; keys are lowercase segments of a-z, 0-9, '_' and '-' separated by single dots, e.g. 'gen_ai.request.model'");

    public static readonly DiagnosticDescriptor TypeMustBePartial = Create(
        "OTB0004",
        "Annotated type must be partial",
        "Type '{0}' must be declared partial, so the generator can add its attribute writer to it{1}");

    public static readonly DiagnosticDescriptor SensitiveNotContent = Create(
        "OTB0005",
        "Member cannot carry sensitive content",
        "Member '{0}' of '{1}' is marked [OtlpSensitive] but its type '{2}' cannot carry content; only strings, JsonElement, bytes, string collections and dictionaries and annotated objects can. Remove [OtlpSensitive]");

    public static readonly DiagnosticDescriptor InaccessibleMember = Create(
        "OTB0006",
        "Member cannot be read by the generated writer",
        "Member '{0}' of '{1}' cannot be read by the generated writer: {2}; make it a readable instance property or field accessible from '{3}', or add [OtlpIgnore]");

    public static readonly DiagnosticDescriptor RecursiveType = Create(
        "OTB0007",
        "Annotated types nest recursively",
        "Member '{0}' of '{1}' leads back to '{1}' ({2}); annotated types cannot contain themselves. Add [OtlpIgnore] to one member of the cycle");

    public static readonly DiagnosticDescriptor InvalidFlatten = Create(
        "OTB0008",
        "Member cannot be flattened",
        "Member '{0}' of '{1}' is marked [OtlpFlatten] but its type '{2}' is neither an [OtlpAttributes] type nor a dictionary with string keys; remove [OtlpFlatten] or change the type");

    public static readonly DiagnosticDescriptor ConflictingAnnotations = Create(
        "OTB0009",
        "Conflicting annotations",
        "Member '{0}' of '{1}' has conflicting annotations: {2}; keep only one of them");

    public static readonly DiagnosticDescriptor UnsupportedAnnotatedType = Create(
        "OTB0010",
        "Type cannot be annotated",
        "Type '{0}' cannot carry [OtlpAttributes]: {1}");

    /// <summary>A warning, not an error: a deliberate choice can be kept with a suppression, but never by accident.</summary>
    public static readonly DiagnosticDescriptor ContentKeyNotSensitive = Create(
        "OTB0011",
        "Content key written without [OtlpSensitive]",
        "Member '{0}' of '{1}' writes the content key '{2}' but is not marked [OtlpSensitive], so it would reach destinations in privacy mode; add [OtlpSensitive]",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor LanguageVersionTooOld = Create(
        "OTB0012",
        "C# 11 or later is required",
        "Type '{0}' cannot carry [OtlpAttributes] in a project compiled as C# {1}: its generated writer needs C# 11 or later (UTF-8 string literals); set <LangVersion> to 11 or later");

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error)
        => new(id, title, message, Category, severity, isEnabledByDefault: true);
}

namespace OtlpBroadcast.Generators.Emitting;

internal static class GeneratedCode
{
    /// <summary>The generator's version, which baseline tests replace with a placeholder.</summary>
    public static readonly string Version = typeof(GeneratedCode).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public static readonly string Attribute = "[global::System.CodeDom.Compiler.GeneratedCode(\"OtlpBroadcast.Generators\", \"" + Version + "\")]";
}

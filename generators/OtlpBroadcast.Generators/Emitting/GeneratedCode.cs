namespace OtlpBroadcast.Generators.Emitting;

internal static class GeneratedCode
{
    /// <summary>The generator's version, which baseline tests replace with a placeholder.</summary>
    public static readonly string Version = typeof(GeneratedCode).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public static readonly string Attribute = "[global::System.CodeDom.Compiler.GeneratedCode(\"OtlpBroadcast.Generators\", \"" + Version + "\")]";

    /// <summary>
    /// Silences the use of obsolete members and types (CS0612, CS0618) and of those with their own obsolete or
    /// experimental <paramref name="ids"/>, as System.Text.Json's generator does: the user chose to write them, and
    /// reading them here must not break a build that treats warnings as errors.
    /// </summary>
    public static string SuppressUseSiteDiagnostics(System.Collections.Generic.IEnumerable<string> ids)
    {
        var line = new System.Text.StringBuilder("#pragma warning disable CS0612, CS0618");
        foreach (string id in ids)
        {
            line.Append(", ").Append(id);
        }

        return line.ToString();
    }
}

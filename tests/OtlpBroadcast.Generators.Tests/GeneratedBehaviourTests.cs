namespace OtlpBroadcast.Generators.Tests;

/// <summary>Runs generated writers (through the generated JSON context) to check what they write, not only that they compile.</summary>
public class GeneratedBehaviourTests
{
    private const string SensitiveBase = """
        using OtlpBroadcast;
        namespace App;
        [OtlpAttributes]
        public partial class Base
        {
            [OtlpAttribute("gen_ai.input.messages"), OtlpSensitive] public virtual string? Prompt { get; set; }
            [OtlpIgnore] public virtual string? Secret { get; set; }
            [OtlpAttribute("app.label")] public virtual string? Label { get; set; }
        }
        """;

    [Fact]
    public void AnOverrideKeepsTheSensitivityIgnoreAndKeyOfTheMemberItOverrides()
    {
        const string Derived = """
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes]
            public partial class Derived : Base
            {
                public override string? Prompt { get; set; }
                public override string? Secret { get; set; }
                public override string? Label { get; set; }
            }
            """;
        const string Value = "new App.Derived { Prompt = \"hi\", Secret = \"s\", Label = \"l\" }";

        Assert.Equal(
            """[{"key":"gen_ai.input.messages","value":{"stringValue":"hi"}},{"key":"app.label","value":{"stringValue":"l"}}]""",
            TestCompilation.Execute($"Write({Value}, includeContent: true)", SensitiveBase, Derived));
        Assert.Equal(
            """[{"key":"app.label","value":{"stringValue":"l"}}]""",
            TestCompilation.Execute($"Write({Value}, includeContent: false)", SensitiveBase, Derived));
    }

    [Fact]
    public void AnOverrideMayAddAnnotationsAndItsOwnKeyWins()
    {
        // The nearest declared key wins, as the override may also replace the value; sensitivity is never lost.
        const string Derived = """
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes]
            public partial class Derived : Base
            {
                [OtlpAttribute("gen_ai.prompt")] public override string? Prompt { get; set; }
                [OtlpSensitive] public override string? Label { get; set; }
            }
            """;
        const string Value = "new App.Derived { Prompt = \"hi\", Label = \"l\" }";

        Assert.Equal(
            """[{"key":"gen_ai.prompt","value":{"stringValue":"hi"}},{"key":"app.label","value":{"stringValue":"l"}}]""",
            TestCompilation.Execute($"Write({Value}, includeContent: true)", SensitiveBase, Derived));
        Assert.Equal("[]", TestCompilation.Execute($"Write({Value}, includeContent: false)", SensitiveBase, Derived));
    }
}

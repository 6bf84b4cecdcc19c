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

    [Theory]
    [InlineData("override")]
    [InlineData("new")] // takes the hidden member's place in the writer: without its annotations, content would leak
    public void AnOverrideOrAHidingMemberKeepsTheSensitivityIgnoreAndKeyOfTheMemberItReplaces(string modifier)
    {
        string derived = $$"""
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes]
            public partial class Derived : Base
            {
                public {{modifier}} string? Prompt { get; set; }
                public {{modifier}} string? Secret { get; set; }
                public {{modifier}} string? Label { get; set; }
            }
            """;
        const string Value = "new App.Derived { Prompt = \"hi\", Secret = \"s\", Label = \"l\" }";

        Assert.Equal(
            """[{"key":"gen_ai.input.messages","value":{"stringValue":"hi"}},{"key":"app.label","value":{"stringValue":"l"}}]""",
            TestCompilation.Execute($"Write({Value}, includeContent: true)", SensitiveBase, derived));
        Assert.Equal(
            """[{"key":"app.label","value":{"stringValue":"l"}}]""",
            TestCompilation.Execute($"Write({Value}, includeContent: false)", SensitiveBase, derived));
    }

    [Fact]
    public void AMemberObsoleteAsAnErrorIsNotWrittenAndAnEnumValueObsoleteAsAnErrorKeepsItsName()
    {
        Assert.Equal(
            """[{"key":"mode","value":{"stringValue":"Removed"}},{"key":"model","value":{"stringValue":"m"}}]""",
            TestCompilation.Execute("Write(new App.Request { Half = \"h\", Mode = (App.Mode)(-3), Model = \"m\" }, includeContent: true)", Sources.ObsoleteAsError));
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

    [Theory]
    [InlineData("new App.Plain { Name = \"n\", Title = \"t\", Model = \"m\" }", "app.name", "app.title", "model")]
    [InlineData("new App.Prefixed { Name = \"n\", Title = \"t\", Model = \"m\" }", "app.name", "app.title", "own.model")]
    [InlineData("new App.Overriding { Name = \"n\", Title = \"t\", Model = \"m\" }", "app.name", "app.title", "own.model")]
    [InlineData("new App.OverUnannotated { Name = \"n\", Title = \"t\", Model = \"m\" }", "own.name", "own.title", "own.model")]
    public void InheritedMembersKeepTheKeyPrefixOfTheTypeThatDeclaresThem(string value, string name, string title, string model)
    {
        // A base type's members are the same attributes in every writer; an unannotated base has no prefix of its own.
        const string Types = """
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes(KeyPrefix = "app")]
            public partial class Base
            {
                public string? Name { get; set; }
                public virtual string? Title { get; set; }
            }
            [OtlpAttributes] public partial class Plain : Base { public string? Model { get; set; } }
            [OtlpAttributes(KeyPrefix = "own")] public partial class Prefixed : Base { public string? Model { get; set; } }
            [OtlpAttributes(KeyPrefix = "own")]
            public partial class Overriding : Base
            {
                public override string? Title { get; set; }
                public string? Model { get; set; }
            }
            public class Unannotated
            {
                public string? Name { get; set; }
                public string? Title { get; set; }
            }
            [OtlpAttributes(KeyPrefix = "own")] public partial class OverUnannotated : Unannotated { public string? Model { get; set; } }
            """;

        Assert.Equal(
            $$$"""[{"key":"{{{name}}}","value":{"stringValue":"n"}},{"key":"{{{title}}}","value":{"stringValue":"t"}},{"key":"{{{model}}}","value":{"stringValue":"m"}}]""",
            TestCompilation.Execute($"Write({value}, includeContent: true)", Types));
    }

    [Fact]
    public void ACollectionOfAnnotatedStructsIsWrittenAsContent()
    {
        const string Types = """
            using System.Collections.Generic;
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes] public partial struct Message { public string? Content { get; set; } }
            [OtlpAttributes]
            public partial class Request
            {
                [OtlpAttribute("gen_ai.input.messages"), OtlpSensitive] public List<Message>? Messages { get; set; }
            }
            """;
        const string Value = "new App.Request { Messages = [new() { Content = \"hi\" }, new()] }";

        Assert.Equal(
            """[{"key":"gen_ai.input.messages","value":{"stringValue":"[{\u0022content\u0022:\u0022hi\u0022},{}]"}}]""",
            TestCompilation.Execute($"Write({Value}, includeContent: true)", Types));
        Assert.Equal("[]", TestCompilation.Execute($"Write({Value}, includeContent: false)", Types));
    }

    [Fact]
    public void AnEnumNameWithQuotesLineBreaksAndControlCharactersIsWrittenAsDeclared()
    {
        // The generated switch holds the names as C# literals: a raw line break in one would not compile, and a lone
        // surrogate would not survive the UTF-8 file (the member with one is not written, only compiled).
        const string Source = """
            using System.Text.Json.Serialization;
            using OtlpBroadcast;
            namespace App;
            public enum Mode
            {
                [JsonStringEnumMemberName("a\"b\\c\nd\r\te\u0001f\u007Fg\u0085h\u2028i\u2029j é 😀")] Odd,
                [JsonStringEnumMemberName("half \ud83d")] Half,
            }
            [OtlpAttributes] public partial class Request { public Mode Mode { get; set; } }
            """;

        string written = TestCompilation.Execute("Write(new App.Request { Mode = App.Mode.Odd }, includeContent: true)", Source);

        using var json = System.Text.Json.JsonDocument.Parse(written);
        Assert.Equal(
            "a\"b\\c\nd\r\te\u0001f\u007Fg\u0085h\u2028i\u2029j é 😀",
            json.RootElement[0].GetProperty("value").GetProperty("stringValue").GetString());
    }

    [Fact]
    public void AMemberNamedUnderscoreIsReadInAFlattenedTypeToo()
    {
        // `is { } _` would be a discard: the write then read `_` of the outer type, or nothing at all.
        const string Source = """
            using OtlpBroadcast;
            namespace App;
            [OtlpAttributes] public partial class Kid { public int? _ { get; set; } public string? @var { get; set; } }
            [OtlpAttributes] public partial class Parent { [OtlpFlatten("kid")] public Kid? Kid { get; set; } public long? _ { get; set; } }
            """;

        Assert.Equal(
            """[{"key":"kid._","value":{"intValue":"1"}},{"key":"kid.var","value":{"stringValue":"v"}},{"key":"_","value":{"intValue":"2"}}]""",
            TestCompilation.Execute("Write(new App.Parent { Kid = new App.Kid { _ = 1, @var = \"v\" }, _ = 2 }, includeContent: true)", Source));
    }

    [Fact]
    public void AnUndefinedValueOfAnEnumOverUlongIsWrittenAsItsUnsignedNumber()
    {
        // Cast to long, the top bit made such a value negative; it is written as a ulong is (a string above long.MaxValue).
        const string Source = """
            using System;
            using OtlpBroadcast;
            namespace App;
            [Flags] public enum Big : ulong { Low = 1, Top = 0x8000000000000000 }
            [OtlpAttributes] public partial class Request { public Big Big { get; set; } public Big? Maybe { get; set; } public Big[]? All { get; set; } }
            """;

        Assert.Equal(
            """[{"key":"big","value":{"stringValue":"9223372036854775809"}},{"key":"maybe","value":{"intValue":"2"}},"""
            + """{"key":"all","value":{"arrayValue":{"values":[{"stringValue":"9223372036854775809"},{"stringValue":"Top"},{"intValue":"3"}]}}}]""",
            TestCompilation.Execute("Write(new App.Request { Big = App.Big.Low | App.Big.Top, Maybe = (App.Big)2, All = [App.Big.Low | App.Big.Top, App.Big.Top, (App.Big)3] }, includeContent: true)", Source));
    }
}

using Microsoft.CodeAnalysis.CSharp;
using static OtlpBroadcast.Generators.Tests.DiagnosticTest;

namespace OtlpBroadcast.Generators.Tests;

public class DiagnosticTests
{
    [Fact]
    public Task OTB0001_UnsupportedMemberType() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            public object? {|#0:Payload|} { get; set; }
        }
        """,
        Error("OTB0001", 0, "Member 'Payload' of 'Request' has type 'object?', which cannot be written as an OTLP attribute; change its type, or add [OtlpIgnore]"));

    [Theory]
    [InlineData("class")]
    [InlineData("struct")] // Usage? is then Nullable<Usage>: the hint names Usage, not Nullable
    public Task OTB0001_UnannotatedNestedTypeSuggestsTheAttribute(string kind) => VerifyAsync(
        $$"""
        public {{kind}} Usage { public int Tokens { get; set; } }

        [OtlpAttributes]
        public partial class Response
        {
            public Usage? {|#0:Usage|} { get; set; }
        }
        """,
        Error("OTB0001", 0, "Member 'Usage' of 'Response' has type 'Usage?', which cannot be written as an OTLP attribute (annotate 'Usage' with [OtlpAttributes] to write it as a nested object); change its type, or add [OtlpIgnore]"));

    [Theory]
    [InlineData("class", "", "List<Message>?", "a collection of objects is written only as JSON content: add [OtlpSensitive] if it is content")]
    [InlineData("struct", "[OtlpSensitive] ", "List<Message?>?", "a collection of nullable structs cannot be written as content: use a collection of 'Message'")]
    public Task OTB0001_CollectionOfObjectsMustBeContent(string kind, string annotation, string type, string reason) => VerifyAsync(
        $$"""
        [OtlpAttributes]
        public partial {{kind}} Message { public string? Content { get; set; } }

        [OtlpAttributes]
        public partial class Request
        {
            {{annotation}}public {{type}} {|#0:Messages|} { get; set; }
        }
        """,
        Error("OTB0001", 0, $"Member 'Messages' of 'Request' has type '{type}', which cannot be written as an OTLP attribute ({reason}); change its type, or add [OtlpIgnore]"));

    [Theory]
    [InlineData("System.Collections.Immutable.ImmutableArray<string>", "ImmutableArray<string>", " (value-type collections such as ImmutableArray<T> are not supported: use an array or a list)")]
    [InlineData("System.Collections.Immutable.ImmutableArray<int>?", "ImmutableArray<int>?", " (value-type collections such as ImmutableArray<T> are not supported: use an array or a list)")]
    [InlineData("System.ReadOnlyMemory<char>", "ReadOnlyMemory<char>", "")]
    [InlineData("System.Uri?", "Uri?", "")]
    public Task OTB0001_TypesOfOtherAssembliesAreNotSuggestedForAnnotation(string declared, string shown, string reason) => VerifyAsync(
        $$"""
        [OtlpAttributes]
        public partial class Request
        {
            public {{declared}} {|#0:Value|} { get; set; }
        }
        """,
        Error("OTB0001", 0, $"Member 'Value' of 'Request' has type '{shown}', which cannot be written as an OTLP attribute{reason}; change its type, or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0001_DictionaryKeysMustBeStrings() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            public Dictionary<int, string>? {|#0:ById|} { get; set; }
        }
        """,
        Error("OTB0001", 0, "Member 'ById' of 'Request' has type 'Dictionary<int, string>?', which cannot be written as an OTLP attribute (dictionary keys must be strings); change its type, or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0002_DuplicateKey() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpAttribute("gen_ai.request.model")] public string? Model { get; set; }
            [OtlpAttribute("gen_ai.request.model")] public string? {|#0:Deployment|} { get; set; }
        }
        """,
        Error("OTB0002", 0, "Member 'Deployment' of 'Request' writes the key 'gen_ai.request.model', which member 'Model' already writes; give one of them another key with [OtlpAttribute], or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0002_DuplicateKeyThroughFlattening() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Usage { [OtlpAttribute("input_tokens")] public int Input { get; set; } }

        [OtlpAttributes]
        public partial class Response
        {
            [OtlpAttribute("gen_ai.usage.input_tokens")] public int InputTokens { get; set; }
            [OtlpFlatten("gen_ai.usage")] public Usage? {|#0:Usage|} { get; set; }
        }
        """,
        Error("OTB0002", 0, "Member 'Usage.Input' of 'Response' writes the key 'gen_ai.usage.input_tokens', which member 'InputTokens' already writes; give one of them another key with [OtlpAttribute], or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0002_TwoDictionariesFlattenedUnderOnePrefix() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpFlatten("trace.metadata")] public Dictionary<string, string>? Metadata { get; set; }
            [OtlpFlatten("trace.metadata")] public IReadOnlyDictionary<string, long>? {|#0:Counters|} { get; set; }
        }
        """,
        Error("OTB0002", 0, "Member 'Counters' of 'Request' writes the key 'trace.metadata.<entry key>', which member 'Metadata' already writes; give one of them another key with [OtlpAttribute], or add [OtlpIgnore]"));

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("  ", "it is only whitespace")]
    [InlineData(".model", "it starts with a dot")]
    [InlineData("model.", "it ends with a dot")]
    [InlineData("gen_ai..model", "it has an empty segment between two dots")]
    [InlineData("gen_ai.Model", "it has the uppercase letter 'M'")]
    [InlineData("gen ai", "it contains whitespace")]
    [InlineData("gen_ai/model", "it contains the character '/'")]
    public Task OTB0003_InvalidKey(string key, string reason) => VerifyAsync(
        $$"""
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpAttribute("{{key}}")] public string? {|#0:Model|} { get; set; }
        }
        """,
        Error("OTB0003", 0, $"Member 'Model' of 'Request' has the invalid key or prefix '{key}': {reason}; keys are lowercase segments of a-z, 0-9, '_' and '-' separated by single dots, e.g. 'gen_ai.request.model'"));

    [Fact]
    public Task OTB0003_InvalidFlattenPrefix() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpFlatten("Trace.Metadata")] public Dictionary<string, string>? {|#0:Metadata|} { get; set; }
        }
        """,
        Error("OTB0003", 0, "Member 'Metadata' of 'Request' has the invalid key or prefix 'Trace.Metadata': it has the uppercase letter 'T'; keys are lowercase segments of a-z, 0-9, '_' and '-' separated by single dots, e.g. 'gen_ai.request.model'"));

    [Fact]
    public Task OTB0003_InvalidKeyPrefix() => VerifyAsync(
        """
        [{|#0:OtlpAttributes(KeyPrefix = "app.")|}]
        public partial class Request
        {
            public string? Model { get; set; }
        }
        """,
        Error("OTB0003", 0, "Member 'KeyPrefix' of 'Request' has the invalid key or prefix 'app.': it ends with a dot; keys are lowercase segments of a-z, 0-9, '_' and '-' separated by single dots, e.g. 'gen_ai.request.model'"));

    [Fact]
    public Task OTB0004_TypeMustBePartial() => VerifyAsync(
        """
        [OtlpAttributes]
        public class {|#0:Request|}
        {
            public string? Model { get; set; }
        }
        """,
        Error("OTB0004", 0, "Type 'Request' must be declared partial, so the generator can add its attribute writer to it"));

    [Fact]
    public Task OTB0004_ContainingTypeMustBePartial() => VerifyAsync(
        """
        public class Api
        {
            [OtlpAttributes]
            public partial class {|#0:Request|}
            {
                public string? Model { get; set; }
            }
        }
        """,
        Error("OTB0004", 0, "Type 'Api.Request' must be declared partial, so the generator can add its attribute writer to it, and so must its containing type 'Api'"));

    [Fact]
    public Task OTB0005_SensitiveOnNumber() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpSensitive] public int? {|#0:MaxTokens|} { get; set; }
        }
        """,
        Error("OTB0005", 0, "Member 'MaxTokens' of 'Request' is marked [OtlpSensitive] but its type 'int?' cannot carry content; only strings, JsonElement, bytes, string collections and dictionaries and annotated objects can. Remove [OtlpSensitive]"));

    [Fact]
    public Task OTB0006_WriteOnlyProperty() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            private string? _secret;
            [OtlpAttribute("app.secret")] public string? {|#0:Secret|} { set => _secret = value; }
            public string? Echo => _secret;
        }
        """,
        Error("OTB0006", 0, "Member 'Secret' of 'Request' cannot be read by the generated writer: it has no getter; make it a readable instance property or field accessible from 'Request', or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0006_PrivateMemberOfFlattenedType() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Usage
        {
            [OtlpAttribute("input_tokens")] private int Input { get; set; }
            public int Output { get; set; }
        }

        [OtlpAttributes]
        public partial class Response
        {
            [OtlpFlatten("gen_ai.usage")] public Usage? {|#0:Usage|} { get; set; }
        }
        """,
        Error("OTB0006", 0, "Member 'Usage.Input' of 'Response' cannot be read by the generated writer: it is private in 'Usage'; make it a readable instance property or field accessible from 'Response', or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0006_MemberObsoleteAsAnError() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpAttribute("app.engine"), System.Obsolete("use model", true)] public string? {|#0:Engine|} { get; set; }
        }
        """,
        Error("OTB0006", 0, "Member 'Engine' of 'Request' cannot be read by the generated writer: it is obsolete as an error ([Obsolete(message, true)]), which the compiler refuses to read in generated code as well; make it a readable instance property or field accessible from 'Request', or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0006_StaticMember() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpAttribute("app.version")] public static string? {|#0:Version|} { get; set; }
        }
        """,
        Error("OTB0006", 0, "Member 'Version' of 'Request' cannot be read by the generated writer: it is static; make it a readable instance property or field accessible from 'Request', or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0006_ExplicitInterfaceImplementation() => VerifyAsync(
        """
        public interface IHasName { string Name { get; } }

        [OtlpAttributes]
        public partial class Request : IHasName
        {
            [OtlpAttribute("app.name")] string IHasName.{|#0:Name|} => "n";
        }
        """,
        Error("OTB0006", 0, "Member 'IHasName.Name' of 'Request' cannot be read by the generated writer: it is an explicit interface implementation, which has no name the generated code can read; make it a readable instance property or field accessible from 'Request', or add [OtlpIgnore]"));

    [Fact]
    public Task OTB0007_RecursiveKeyValueList() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Node
        {
            public string? Name { get; set; }
            public Node? {|#0:Parent|} { get; set; }
        }
        """,
        Error("OTB0007", 0, "Member 'Parent' of 'Node' leads back to 'Node' (Node → Node); annotated types cannot contain themselves. Add [OtlpIgnore] to one member of the cycle"));

    [Fact]
    public Task OTB0007_RecursiveFlattening() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class A
        {
            [OtlpFlatten("b")] public B? {|#0:Next|} { get; set; }
        }

        [OtlpAttributes]
        public partial class B
        {
            [OtlpFlatten("a")] public A? {|#1:Back|} { get; set; }
        }
        """,
        Error("OTB0007", 0, "Member 'Next.Back' of 'A' leads back to 'A' (A → B → A); annotated types cannot contain themselves. Add [OtlpIgnore] to one member of the cycle"),
        Error("OTB0007", 1, "Member 'Back.Next' of 'B' leads back to 'B' (B → A → B); annotated types cannot contain themselves. Add [OtlpIgnore] to one member of the cycle"));

    [Fact]
    public Task OTB0008_FlattenOnScalar() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpFlatten("app")] public string? {|#0:Model|} { get; set; }
        }
        """,
        Error("OTB0008", 0, "Member 'Model' of 'Request' is marked [OtlpFlatten] but its type 'string?' is neither an [OtlpAttributes] type nor a dictionary with string keys; remove [OtlpFlatten] or change the type"));

    [Fact]
    public Task OTB0009_IgnoreWithOtherAnnotations() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpIgnore, OtlpSensitive, OtlpAttribute("gen_ai.prompt")] public string? {|#0:Prompt|} { get; set; }
        }
        """,
        Error("OTB0009", 0, "Member 'Prompt' of 'Request' has conflicting annotations: [OtlpIgnore] together with [OtlpAttribute] and [OtlpSensitive]; keep only one of them"));

    [Fact]
    public Task OTB0009_KeyAndFlatten() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Request
        {
            [OtlpAttribute("trace"), OtlpFlatten("trace")] public Dictionary<string, string>? {|#0:Trace|} { get; set; }
        }
        """,
        Error("OTB0009", 0, "Member 'Trace' of 'Request' has conflicting annotations: [OtlpAttribute] and [OtlpFlatten] (a flattened member has a prefix, not a key); keep only one of them"));

    [Fact]
    public Task OTB0010_GenericType() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class {|#0:Envelope|}<T>
        {
            public string? Model { get; set; }
        }
        """,
        Error("OTB0010", 0, "Type 'Envelope<T>' cannot carry [OtlpAttributes]: generic types are not supported; annotate a non-generic type"));

    [Fact]
    public Task OTB0010_PrivateNestedType() => VerifyAsync(
        """
        public partial class Api
        {
            [OtlpAttributes]
            private partial class {|#0:Request|}
            {
                public string? Model { get; set; }
            }
        }
        """,
        Error("OTB0010", 0, "Type 'Api.Request' cannot carry [OtlpAttributes]: it is private or protected, but the generated JSON context of the assembly must refer to it; make it internal or public"));

    [Fact]
    public Task OTB0010_FileLocalType() => VerifyAsync(
        """
        [OtlpAttributes]
        file partial class {|#0:Request|}
        {
            public string? Model { get; set; }
        }
        """,
        Error("OTB0010", 0, "Type 'Request' cannot carry [OtlpAttributes]: a file-local type cannot be extended from the generated file, nor named by the JSON context of the assembly; make it internal or public"));

    [Fact]
    public Task OTB0011_ContentKeyWithoutSensitive() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Response
        {
            [OtlpAttribute(GenAiAttributes.Completion)] public string? {|#0:Text|} { get; set; }
        }
        """,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult("OTB0011", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("Member 'Text' of 'Response' writes the content key 'gen_ai.completion' but is not marked [OtlpSensitive], so it would reach destinations in privacy mode; add [OtlpSensitive]"));

    [Fact]
    public Task OTB0011_SensitiveFlatteningCoversInlinedContentKeys() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Content { [OtlpAttribute("completion")] public string? Text { get; set; } }

        [OtlpAttributes]
        public partial class Response
        {
            [OtlpFlatten("gen_ai"), OtlpSensitive] public Content? Content { get; set; }
        }
        """);

    [Fact]
    public Task OTB0012_LanguageVersionBelow11() => new DiagnosticTest(
        """
        [OtlpAttributes]
        public partial class {|#0:Request|}
        {
            public string? Model { get; set; }
        }
        """,
        Error("OTB0012", 0, "Type 'Request' cannot carry [OtlpAttributes] in a project compiled as C# 10.0: its generated writer needs C# 11 or later (UTF-8 string literals); set <LangVersion> to 11 or later"))
    {
        LanguageVersion = LanguageVersion.CSharp10,
    }.RunAsync();

    [Fact]
    public Task CSharp11IsEnough() => new DiagnosticTest(
        """
        [OtlpAttributes]
        public partial class Request
        {
            public string? Model { get; set; }
            public List<int>? Counts { get; set; }
            [OtlpFlatten("trace.metadata")] public Dictionary<string, string>? Metadata { get; set; }
        }
        """)
    {
        LanguageVersion = LanguageVersion.CSharp11,
    }.RunAsync();

    [Fact]
    public Task ValidTypesReportNothing() => VerifyAsync(
        """
        [OtlpAttributes]
        public partial class Message { public string? Content { get; set; } }

        [OtlpAttributes]
        public partial class Request
        {
            [OtlpAttribute(GenAiAttributes.RequestModel)] public string Model { get; set; } = "";
            [OtlpSensitive, OtlpAttribute(GenAiAttributes.InputMessages)] public List<Message>? Messages { get; set; }
            [OtlpFlatten(GenAiAttributes.TraceMetadataPrefix)] public Dictionary<string, string>? Metadata { get; set; }
            [OtlpIgnore] public object? Anything { get; set; }
            private int NotMapped { get; set; }
            public string? Echo => NotMapped.ToString();
        }
        """);
}

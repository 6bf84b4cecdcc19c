namespace OtlpBroadcast.Generators.Model;

/// <summary>The form in which a member's value reaches the sink.</summary>
internal enum MemberShape
{
    /// <summary>One attribute of a scalar value.</summary>
    Scalar,

    /// <summary>A <c>byte[]</c> as <c>bytesValue</c>.</summary>
    Bytes,

    /// <summary>An <c>arrayValue</c> of scalars.</summary>
    Array,

    /// <summary>A dictionary as one <c>kvlistValue</c>.</summary>
    DictionaryList,

    /// <summary>A dictionary spread into <c>prefix.key</c> attributes.</summary>
    DictionaryFlattened,

    /// <summary>A nested annotated type as one <c>kvlistValue</c>.</summary>
    ObjectList,

    /// <summary>A nested annotated type whose attributes are inlined under a prefix.</summary>
    ObjectFlattened,

    /// <summary>A sensitive nested annotated type as one JSON string.</summary>
    ObjectJson,

    /// <summary>A sensitive collection of annotated types as one JSON array string.</summary>
    ObjectArrayJson,
}

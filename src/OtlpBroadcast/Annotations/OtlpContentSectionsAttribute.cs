using System.ComponentModel;

namespace OtlpBroadcast;

/// <summary>
/// Put by the generator on a type whose whole writer is generated code that marks every sensitive member it writes
/// (<see cref="GeneratedAttributeWriter.BeginContent{TSink}"/> and <see cref="GeneratedAttributeWriter.EndContent{TSink}"/>
/// around it). For such a type, sealed or a struct, the broadcaster may make a span for a destination in privacy mode
/// from the same span with content by leaving the marked sections out, instead of encoding it a second time. Not
/// inherited, and not to be put on a type by hand: a writer that writes content outside a marked section would send
/// that content to destinations in privacy mode.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class OtlpContentSectionsAttribute : Attribute
{
}

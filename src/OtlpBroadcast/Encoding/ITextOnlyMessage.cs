namespace OtlpBroadcast;

/// <summary>
/// A chat message that may be nothing but a role and a text (and, for a response's choice, a finish reason): the
/// shape of nearly every message a request or response carries. <see cref="ContentJsonBuffer"/> writes such a message
/// straight from those strings, the bytes its generated writer gives, instead of going through its attributes and
/// its parts (which a message makes, and allocates, on first use).
/// </summary>
internal interface ITextOnlyMessage
{
    /// <summary>The role, the text and the finish reason (<see langword="null"/>: none), when the message's content
    /// JSON holds those and nothing else: <c>{"role":…,"parts":[{"type":"text","content":…}]}</c>, with
    /// <c>"finish_reason":…</c> after the parts when there is one. <see langword="false"/> for any other message.</summary>
    bool TryGetTextOnly(out string role, out string text, out string? finishReason);
}

namespace OtlpBroadcast;

/// <summary>The OTLP span kind; the numbers are the wire values.</summary>
public enum SpanKind
{
    /// <summary>0: unspecified.</summary>
    Unspecified = 0,

    /// <summary>1: an internal operation.</summary>
    Internal = 1,

    /// <summary>2: the server side of a synchronous call.</summary>
    Server = 2,

    /// <summary>3: the client side of a synchronous call (an LLM request).</summary>
    Client = 3,

    /// <summary>4: the producer of an asynchronous message.</summary>
    Producer = 4,

    /// <summary>5: the consumer of an asynchronous message.</summary>
    Consumer = 5,
}

/// <summary>The OTLP status code; the numbers are the wire values.</summary>
public enum SpanStatusCode
{
    /// <summary>0: unset.</summary>
    Unset = 0,

    /// <summary>1: completed successfully.</summary>
    Ok = 1,

    /// <summary>2: failed.</summary>
    Error = 2,
}

/// <summary>A span status: its code and, for errors, a message.</summary>
/// <param name="Code">The status code.</param>
/// <param name="Message">A developer-facing message (written only when not empty).</param>
public readonly record struct SpanStatus(SpanStatusCode Code, string? Message = null)
{
    private readonly SpanStatusCode _code = SpanChecks.Checked(Code);

    /// <summary>The status code.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a <see cref="SpanStatusCode"/>.</exception>
    public SpanStatusCode Code
    {
        get => _code;
        init => _code = SpanChecks.Checked(value);
    }

    /// <summary>Status <see cref="SpanStatusCode.Ok"/>.</summary>
    public static SpanStatus Ok => new(SpanStatusCode.Ok);

    /// <summary>Status <see cref="SpanStatusCode.Error"/> with a message.</summary>
    public static SpanStatus Error(string? message) => new(SpanStatusCode.Error, message);
}

/// <summary>A timed event within a span.</summary>
public sealed class SpanEvent
{
    /// <summary>Creates an event.</summary>
    public SpanEvent(string name, long timeUnixNano)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        TimeUnixNano = timeUnixNano;
    }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>When it happened, in nanoseconds since the Unix epoch.</summary>
    public long TimeUnixNano { get; }

    /// <summary>The event's attributes.</summary>
    public List<SpanAttribute> Attributes { get; } = [];
}

/// <summary>A link from a span to another span, in this trace or another.</summary>
public sealed class SpanLink
{
    /// <summary>Creates a link.</summary>
    public SpanLink(TraceId traceId, SpanId spanId)
    {
        TraceId = traceId;
        SpanId = spanId;
    }

    /// <summary>The linked span's trace.</summary>
    public TraceId TraceId { get; }

    /// <summary>The linked span.</summary>
    public SpanId SpanId { get; }

    /// <summary>The linked span's W3C trace state, if any.</summary>
    public string? TraceState { get; init; }

    /// <summary>W3C trace flags of the linked span context.</summary>
    public uint Flags { get; init; } = SpanFlags.Sampled;

    /// <summary>The link's attributes.</summary>
    public List<SpanAttribute> Attributes { get; } = [];
}

/// <summary>Bits of the OTLP span <c>flags</c> field.</summary>
public static class SpanFlags
{
    /// <summary>W3C trace flag: sampled.</summary>
    public const uint Sampled = 0x01;

    /// <summary>Bit 8: whether the parent's remoteness is known.</summary>
    public const uint ContextHasIsRemote = 0x100;

    /// <summary>Bit 9: the parent is remote (with <see cref="ContextHasIsRemote"/>).</summary>
    public const uint ContextIsRemote = 0x200;
}

/// <summary>
/// A span to be exported: the general-purpose model. The broadcast pipeline encodes its spans straight from
/// generated attribute writers; this type serves hand-made spans, connection tests and test traces.
/// </summary>
public sealed class OtlpSpan
{
    private SpanKind _kind = SpanKind.Internal;
    private string _name;

    /// <summary>Creates a span with its identity and name.</summary>
    public OtlpSpan(TraceId traceId, SpanId spanId, string name)
    {
        if (!traceId.IsValid)
        {
            throw new ArgumentException("A span needs a valid (non-zero) trace id.", nameof(traceId));
        }

        if (!spanId.IsValid)
        {
            throw new ArgumentException("A span needs a valid (non-zero) span id.", nameof(spanId));
        }

        TraceId = traceId;
        SpanId = spanId;
        Name = name;
    }

    /// <summary>The trace this span belongs to.</summary>
    public TraceId TraceId { get; }

    /// <summary>This span's id.</summary>
    public SpanId SpanId { get; }

    /// <summary>The parent span; <see langword="default"/> for a root span.</summary>
    public SpanId ParentSpanId { get; set; }

    /// <summary>W3C trace state, if any.</summary>
    public string? TraceState { get; set; }

    /// <summary>The OTLP flags (W3C trace flags in bits 0-7).</summary>
    public uint Flags { get; set; } = SpanFlags.Sampled;

    /// <summary>The span name; OTLP requires one that is not empty.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public string Name
    {
        get => _name;
        [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_name))]
        set => _name = SpanChecks.CheckedName(value);
    }

    /// <summary>The span kind.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a <see cref="SpanKind"/>.</exception>
    public SpanKind Kind
    {
        get => _kind;
        set => _kind = SpanChecks.Checked(value);
    }

    /// <summary>Start, in nanoseconds since the Unix epoch.</summary>
    public long StartTimeUnixNano { get; set; }

    /// <summary>End, in nanoseconds since the Unix epoch.</summary>
    public long EndTimeUnixNano { get; set; }

    /// <summary>The attributes, written in order.</summary>
    public List<SpanAttribute> Attributes { get; } = [];

    /// <summary>Attributes that were cut by a limit before encoding.</summary>
    public uint DroppedAttributesCount { get; set; }

    /// <summary>Timed events.</summary>
    public List<SpanEvent> Events { get; } = [];

    /// <summary>Links to other spans.</summary>
    public List<SpanLink> Links { get; } = [];

    /// <summary>The status.</summary>
    public SpanStatus Status { get; set; }

    /// <summary>Whether <see cref="Status"/>'s message may quote sensitive content (an upstream's error that repeats the
    /// prompt, say): encoded for a privacy-mode destination, the status keeps its code and loses its message, as the
    /// broadcaster's own generation spans do. Off by default: a message is sent everywhere.</summary>
    public bool StatusMessageIsContent { get; set; }

    /// <summary>Adds an attribute and returns this span, for fluent construction.</summary>
    public OtlpSpan With(string key, AttributeValue value)
    {
        Attributes.Add(new SpanAttribute(key, value));
        return this;
    }

    /// <summary>Adds a sensitive-content attribute (prompt, completion, …), never encoded for a privacy-mode
    /// destination, and returns this span.</summary>
    public OtlpSpan WithContent(string key, AttributeValue value)
    {
        Attributes.Add(new SpanAttribute(key, value, IsContent: true));
        return this;
    }

    /// <summary>Whether the span carries sensitive content: an attribute marked as content, or a status message marked
    /// as content (<see cref="StatusMessageIsContent"/>).</summary>
    public bool HasContent => Attributes.Exists(a => a.IsContent) || (StatusMessageIsContent && !string.IsNullOrEmpty(Status.Message));
}

/// <summary>Checks of span fields that OTLP constrains: enum values outside their range would be encoded as numbers no
/// receiver knows, and a span must have a name.</summary>
internal static class SpanChecks
{
    public static SpanKind Checked(SpanKind kind) => kind is >= SpanKind.Unspecified and <= SpanKind.Consumer
        ? kind
        : throw new ArgumentOutOfRangeException(nameof(kind), (int)kind, $"{(int)kind} is not a SpanKind (0 to 5).");

    public static string CheckedName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > 0 ? name : throw new ArgumentException("A span needs a name that is not empty (OTLP requires one).", nameof(name));
    }

    /// <summary>Throws unless the span's trace and span ids are valid (not zero), as every span writer requires.</summary>
    public static void RequireIds(in SpanHeader header)
    {
        if (!header.TraceId.IsValid || !header.SpanId.IsValid)
        {
            throw new ArgumentException("A span needs valid (non-zero) trace and span ids.", nameof(header));
        }
    }

    public static SpanStatusCode Checked(SpanStatusCode code) => code is >= SpanStatusCode.Unset and <= SpanStatusCode.Error
        ? code
        : throw new ArgumentOutOfRangeException(nameof(code), (int)code, $"{(int)code} is not a SpanStatusCode (0 to 2).");
}

/// <summary>Conversions to the nanosecond timestamps of OTLP.</summary>
public static class UnixNanos
{
    /// <summary>Nanoseconds since the Unix epoch of <paramref name="time"/> (100 ns resolution).</summary>
    public static long From(DateTimeOffset time) => (time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Nanoseconds since the Unix epoch, now, from <paramref name="timeProvider"/>.</summary>
    public static long Now(TimeProvider timeProvider)
        => From((timeProvider ?? throw new ArgumentNullException(nameof(timeProvider))).GetUtcNow());
}

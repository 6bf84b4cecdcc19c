namespace OtlpBroadcast;

/// <summary>
/// Everything about a span except its attributes, events and links: what the encoders need to frame a span
/// whose attributes come from a generated writer.
/// </summary>
public readonly record struct SpanHeader
{
    private readonly SpanKind _kind;
    private readonly string _name;

    /// <summary>The trace the span belongs to (must be valid).</summary>
    public required TraceId TraceId { get; init; }

    /// <summary>The span's id (must be valid).</summary>
    public required SpanId SpanId { get; init; }

    /// <summary>The parent span; <see langword="default"/> for a root span (the field is then omitted).</summary>
    public SpanId ParentSpanId { get; init; }

    /// <summary>The span name.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public required string Name
    {
        get => _name;
        init => _name = SpanChecks.CheckedName(value);
    }

    /// <summary>The span kind.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a <see cref="SpanKind"/>.</exception>
    public SpanKind Kind
    {
        get => _kind;
        init => _kind = SpanChecks.Checked(value);
    }

    /// <summary>Start, in nanoseconds since the Unix epoch.</summary>
    public long StartTimeUnixNano { get; init; }

    /// <summary>End, in nanoseconds since the Unix epoch.</summary>
    public long EndTimeUnixNano { get; init; }

    /// <summary>The status.</summary>
    public SpanStatus Status { get; init; }

    /// <summary>OTLP flags. The encoders always add <see cref="SpanFlags.Sampled"/>: a span that is exported was sampled.</summary>
    public uint Flags { get; init; }

    /// <summary>W3C trace state, if any.</summary>
    public string? TraceState { get; init; }

    /// <summary>Attributes cut by a limit before encoding.</summary>
    public uint DroppedAttributesCount { get; init; }

    /// <summary>Whether <see cref="Status"/>'s message may quote sensitive content
    /// (<see cref="OtlpSpan.StatusMessageIsContent"/>): a span encoded with content withheld, for a privacy-mode
    /// destination, then keeps the status code and loses the message.</summary>
    public bool StatusMessageIsContent { get; init; }

    /// <summary>The header of a span model, its <see cref="OtlpSpan.StatusMessageIsContent"/> included.</summary>
    public static SpanHeader From(OtlpSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        return new SpanHeader
        {
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            ParentSpanId = span.ParentSpanId,
            Name = span.Name,
            Kind = span.Kind,
            StartTimeUnixNano = span.StartTimeUnixNano,
            EndTimeUnixNano = span.EndTimeUnixNano,
            Status = span.Status,
            StatusMessageIsContent = span.StatusMessageIsContent,
            Flags = span.Flags,
            TraceState = span.TraceState,
            DroppedAttributesCount = span.DroppedAttributesCount,
        };
    }

    /// <summary>The status as encoded with or without content: without, a message marked as content
    /// (<see cref="StatusMessageIsContent"/>) is left out and the code kept.</summary>
    internal SpanStatus StatusFor(bool includeContent)
        => includeContent || !StatusMessageIsContent ? Status : new SpanStatus(Status.Code);
}

/// <summary>Writes a list of <see cref="SpanAttribute"/> through any sink.</summary>
public readonly struct SpanAttributeList : IAttributeSource
{
    private readonly List<SpanAttribute>? _attributes;
    private readonly bool _includeContent;

    /// <summary>Wraps a list (may be <see langword="null"/>: nothing is written).</summary>
    /// <param name="attributes">The attributes.</param>
    /// <param name="includeContent">Whether attributes marked <see cref="SpanAttribute.IsContent"/> are written.</param>
    public SpanAttributeList(List<SpanAttribute>? attributes, bool includeContent = true)
    {
        _attributes = attributes;
        _includeContent = includeContent;
    }

    /// <inheritdoc/>
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        if (_attributes is null)
        {
            return;
        }

        foreach (SpanAttribute attribute in _attributes)
        {
            if (_includeContent || !attribute.IsContent)
            {
                AttributeKeys.Write(ref sink, attribute.Key, attribute.Value);
            }
        }
    }
}

/// <summary>An attribute source that writes nothing.</summary>
public readonly struct NoAttributes : IAttributeSource
{
    /// <inheritdoc/>
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
    }
}

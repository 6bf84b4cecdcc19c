using System.Runtime.CompilerServices;

namespace OtlpBroadcast;

/// <summary>
/// Where the sensitive content of one encoded span lies: the byte ranges between the marks that generated writers
/// put around sensitive members, recorded while the span is encoded with content. The span without content is then
/// those bytes with the ranges left out: OTLP attributes are an unordered list, and a marked range holds whole
/// attributes at the top of the span's list (anything else makes the record unusable, and the span is encoded
/// again). Reused from request to request by the recording's scratch.
/// </summary>
internal sealed class ContentSections
{
    /// <summary>Start and end of each range, in pairs.</summary>
    private int[] _bounds = new int[8];
    private int _count;
    private int _depth;
    private int _openStart;
    private int _truncatedAtOpen;

    /// <summary>Whether every section was at the top of the span's attributes and closed.</summary>
    public bool Usable => _usable && _depth == 0;

    private bool _usable;

    /// <summary>Values cut inside the sections (counted for the span with content, not for the one without).</summary>
    public int TruncatedInside { get; private set; }

    /// <summary>Makes the record unusable (the span is being written again, e.g. to count attributes left out).</summary>
    public void Invalidate() => _usable = false;

    /// <summary>Starts a new record.</summary>
    public void Reset()
    {
        _count = 0;
        _depth = 0;
        _usable = true;
        TruncatedInside = 0;
    }

    /// <summary>A section opens at <paramref name="position"/>; sections opened inside it are part of it.</summary>
    public void Open(bool atTopLevel, int position, int truncated)
    {
        if (_depth++ > 0)
        {
            return;
        }

        _usable &= atTopLevel;
        _openStart = position;
        _truncatedAtOpen = truncated;
    }

    /// <summary>The section opened last closes at <paramref name="position"/>.</summary>
    public void Close(int position, int truncated)
    {
        if (_depth == 0)
        {
            _usable = false;
            return;
        }

        if (--_depth > 0 || !_usable)
        {
            return;
        }

        TruncatedInside += truncated - _truncatedAtOpen;
        int lastEnd = _count == 0 ? 0 : _bounds[(_count * 2) - 1];
        if (position < _openStart || _openStart < lastEnd)
        {
            // Ranges out of order or overlapping: nothing a writer produces, so nothing to trust.
            _usable = false;
            return;
        }

        if (position == _openStart)
        {
            return;
        }

        if (_count > 0 && _openStart == lastEnd)
        {
            // Right after the previous section: one range (so that a range opening a JSON list, which takes the
            // comma after it, never reaches into the next).
            _bounds[(_count * 2) - 1] = position;
            return;
        }

        if (_count * 2 == _bounds.Length)
        {
            Array.Resize(ref _bounds, _bounds.Length * 2);
        }

        _bounds[_count * 2] = _openStart;
        _bounds[(_count * 2) + 1] = position;
        _count++;
    }

    /// <summary>
    /// Copies <paramref name="span"/> without the sections into a new fragment, marked as content withheld;
    /// <see langword="null"/> when the record is not usable or does not fit the span. In JSON a
    /// range starts before the comma of its first attribute, so leaving it out leaves the list well formed, except
    /// when it opens the list: then the comma after it goes too.
    /// </summary>
    public SpanFragment? CopyWithout(SpanFragment span)
    {
        ReadOnlySpan<byte> source = span.Bytes;
        bool json = span.Encoding == SpanEncoding.Json;
        if (!Usable || (_count > 0 && (_bounds[0] < (json ? 1 : 0) || _bounds[(_count * 2) - 1] > source.Length)))
        {
            return null;
        }

        int removed = 0;
        for (int i = 0; i < _count; i++)
        {
            removed += End(source, i, json) - _bounds[i * 2];
        }

        SpanFragment withheld = SpanFragment.Rent(source.Length - removed, span.Encoding, contentWithheld: true, out Span<byte> destination);
        int from = 0;
        int at = 0;
        for (int i = 0; i < _count; i++)
        {
            int start = _bounds[i * 2];
            source[from..start].CopyTo(destination[at..]);
            at += start - from;
            from = End(source, i, json);
        }

        source[from..].CopyTo(destination[at..]);
        return withheld;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int End(ReadOnlySpan<byte> source, int section, bool json)
    {
        int start = _bounds[section * 2];
        int end = _bounds[(section * 2) + 1];
        return json && source[start - 1] == (byte)'[' && end < source.Length && source[end] == (byte)',' ? end + 1 : end;
    }
}

/// <summary>The marks of <see cref="GeneratedAttributeWriter.BeginContent{TSink}"/>, for the sinks that record them.</summary>
internal static class ContentSectionMarks
{
    // Type tests the JIT resolves when it specialises a generated writer for each sink: no cost for the others.
    public static void Begin<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        if (typeof(TSink) == typeof(DestinationAttributeSink<OtlpJsonBufferSink>))
        {
            Begin(ref Unsafe.As<TSink, DestinationAttributeSink<OtlpJsonBufferSink>>(ref sink));
        }
        else if (typeof(TSink) == typeof(DestinationAttributeSink<OtlpProtobufAttributeSink>))
        {
            Begin(ref Unsafe.As<TSink, DestinationAttributeSink<OtlpProtobufAttributeSink>>(ref sink));
        }
    }

    public static void End<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        if (typeof(TSink) == typeof(DestinationAttributeSink<OtlpJsonBufferSink>))
        {
            End(ref Unsafe.As<TSink, DestinationAttributeSink<OtlpJsonBufferSink>>(ref sink));
        }
        else if (typeof(TSink) == typeof(DestinationAttributeSink<OtlpProtobufAttributeSink>))
        {
            End(ref Unsafe.As<TSink, DestinationAttributeSink<OtlpProtobufAttributeSink>>(ref sink));
        }
    }

    private static void Begin<TInner>(ref DestinationAttributeSink<TInner> sink) where TInner : struct, ICopyableAttributeSink
        => sink.Sections?.Open(sink.AtTopLevel && sink.InnerRef.CanCopy, sink.InnerRef.Position, sink.Truncated);

    private static void End<TInner>(ref DestinationAttributeSink<TInner> sink) where TInner : struct, ICopyableAttributeSink
        => sink.Sections?.Close(sink.InnerRef.Position, sink.Truncated);
}

/// <summary>
/// Whether the writer of <typeparamref name="T"/> marks all the content it writes: generated for that very type
/// (<see cref="OtlpContentSectionsAttribute"/>, not inherited) and no other type's writer can stand in for it at run
/// time (sealed, or a struct).
/// </summary>
internal static class ContentSectionsTrust<T>
{
    public static readonly bool Trusted = (typeof(T).IsValueType || typeof(T).IsSealed) && typeof(T).IsDefined(typeof(OtlpContentSectionsAttribute), inherit: false);
}

using System.Diagnostics.CodeAnalysis;

namespace OtlpBroadcast;

/// <summary>
/// What one encoding variant applies on the way to the wire: content keys renamed for the router-compatible format,
/// string values, span names and status messages cut to the destination's limit (JSON content kept valid),
/// <c>user.id</c> and <c>session.id</c> cut to 128 characters as the hosted router does, arrays cut to
/// <see cref="MaxArrayItems"/> items, and at most <see cref="MaxAttributesPerSpan"/> attributes per span.
/// </summary>
internal readonly record struct ContentPolicy(ContentFormat Format, int MaxLength)
{
    /// <summary>The router's limit for <c>user</c> and <c>session_id</c>.</summary>
    public const int IdentityMaxLength = 128;

    /// <summary>Attributes of one span at most, the OpenTelemetry SDKs' default attribute count limit; the rest are
    /// left out and counted (the span's <c>droppedAttributesCount</c>).</summary>
    public const int MaxAttributesPerSpan = 128;

    /// <summary>Items of one array (or entries of one key-value list) at most; the rest are left out and the value
    /// counts as truncated. Keeps a huge array from making its span too large to send at all.</summary>
    public const int MaxArrayItems = 1024;

    public ReadOnlySpan<byte> MapKey(ReadOnlySpan<byte> key)
    {
        if (Format == ContentFormat.RouterCompatible)
        {
            if (key.SequenceEqual("gen_ai.input.messages"u8))
            {
                return "gen_ai.prompt"u8;
            }

            if (key.SequenceEqual("gen_ai.output.messages"u8))
            {
                return "gen_ai.completion"u8;
            }
        }

        return key;
    }

    /// <summary>Whether <see cref="MapKey"/> gives another key.</summary>
    public bool Renames(ReadOnlySpan<byte> key) => Format == ContentFormat.RouterCompatible && MapKey(key) != key;

    /// <summary>
    /// A span name or status message within the length limit. Names come from the request (<c>trace_name</c>,
    /// <c>span_name</c>, <c>generation_name</c>, the model) and the provider, messages from the caller's error: without
    /// the limit a huge one made its span too large to send at all. Such text is never JSON content: it is cut at a
    /// character boundary and ends with an ellipsis; <paramref name="cut"/> is 1 when it was cut (counted like a cut
    /// value), else 0.
    /// </summary>
    public string LimitText(string text, out int cut)
    {
        if (MaxLength <= 0 || text.Length <= MaxLength)
        {
            cut = 0;
            return text;
        }

        cut = 1;
        return ContentTruncation.TruncateText(text, MaxLength);
    }

    public int LimitFor(ReadOnlySpan<byte> key)
        => key.SequenceEqual("user.id"u8) || key.SequenceEqual("session.id"u8) ? IdentityMaxLength : MaxLength;

    /// <summary>
    /// <paramref name="value"/> within the limits: strings cut to <paramref name="limit"/> characters (0: no limit),
    /// arrays and key-value lists to <see cref="MaxArrayItems"/>, at every depth. Returns the value itself, without
    /// allocating, when nothing needs cutting.
    /// </summary>
    public static AttributeValue Limit(in AttributeValue value, int limit, out bool cut)
    {
        cut = false;
        switch (value.Kind)
        {
            case AttributeValueKind.String when limit > 0 && value.StringValue!.Length > limit:
                cut = true;
                return ContentTruncation.Truncate(value.StringValue, limit);

            case AttributeValueKind.Array:
                ReadOnlySpan<AttributeValue> items = value.ArrayValue;
                AttributeValue[]? limitedItems = null;
                int itemCount = Math.Min(items.Length, MaxArrayItems);
                for (int i = 0; i < itemCount; i++)
                {
                    AttributeValue item = Limit(in items[i], limit, out bool itemCut);
                    if (itemCut)
                    {
                        limitedItems ??= items[..itemCount].ToArray();
                        limitedItems[i] = item;
                    }
                }

                cut = limitedItems is not null || items.Length > itemCount;
                return cut ? AttributeValue.FromArray(limitedItems ?? items[..itemCount]) : value;

            case AttributeValueKind.KeyValueList:
                ReadOnlySpan<SpanAttribute> entries = value.KeyValueListValue;
                SpanAttribute[]? limitedEntries = null;
                int entryCount = Math.Min(entries.Length, MaxArrayItems);
                for (int i = 0; i < entryCount; i++)
                {
                    AttributeValue entry = Limit(entries[i].Value, limit, out bool entryCut);
                    if (entryCut)
                    {
                        limitedEntries ??= entries[..entryCount].ToArray();
                        limitedEntries[i] = entries[i] with { Value = entry };
                    }
                }

                cut = limitedEntries is not null || entries.Length > entryCount;
                return cut ? AttributeValue.FromKeyValueList(limitedEntries ?? entries[..entryCount]) : value;

            default:
                return value;
        }
    }
}

/// <summary>
/// Applies a <see cref="ContentPolicy"/> in front of the encoding's own sink, for one span: it counts the span's
/// attributes (entries of a key-value list are not attributes of the span) and leaves out those past
/// <see cref="ContentPolicy.MaxAttributesPerSpan"/>, with everything inside them.
/// </summary>
internal struct DestinationAttributeSink<TInner> : IAttributeSink where TInner : struct, IAttributeSink
{
    private TInner _inner;
    private readonly ContentPolicy _policy;

    /// <summary>Open arrays and key-value lists that are written.</summary>
    private int _depth;

    /// <summary>Open arrays and key-value lists of an attribute that is left out.</summary>
    private int _skipDepth;

    private int _attributes;
    private int _arrayItems;
    private int _arrayLimit;
    private bool _arrayCut;

    public DestinationAttributeSink(TInner inner, ContentPolicy policy, ContentSections? sections = null)
    {
        _inner = inner;
        _policy = policy;
        Sections = sections;
    }

    /// <summary>Where the marks of sensitive members are recorded, when the span is one to make a span without
    /// content from (see <see cref="ContentSections"/>).</summary>
    public readonly ContentSections? Sections { get; }

    /// <summary>Whether what is written now is a top-level attribute of the span (not inside a list, and not inside
    /// an attribute left out).</summary>
    public readonly bool AtTopLevel => _depth == 0 && _skipDepth == 0;

    /// <summary>The wrapped sink, to be copied back after writing (it may carry state).</summary>
    public readonly TInner Inner => _inner;

    /// <summary>The wrapped sink itself, for what is written to it past this policy: a block of attributes copied
    /// from an earlier span once <see cref="TryAdmitCopied"/> admitted it.</summary>
    [UnscopedRef]
    public ref TInner InnerRef => ref _inner;

    /// <summary>Values this sink cut (strings to the policy's limit, arrays to <see cref="ContentPolicy.MaxArrayItems"/>).</summary>
    public int Truncated { get; private set; }

    /// <summary>Attributes this sink left out.</summary>
    public int DroppedAttributes { get; private set; }

    /// <summary>The policy applied.</summary>
    public readonly ContentPolicy Policy => _policy;

    /// <summary>Top-level attributes of the span written so far.</summary>
    public readonly int Attributes => _attributes;

    /// <summary>
    /// Admits a block of <paramref name="attributes"/> attributes that the caller copies from an earlier span, where
    /// writing them cut <paramref name="truncated"/> values; <see langword="false"/> (nothing counted) when the span
    /// has no room for all of them, and the caller writes them one by one.
    /// </summary>
    public bool TryAdmitCopied(int attributes, int truncated)
    {
        if (_skipDepth > 0 || _depth > 0 || _attributes + attributes > ContentPolicy.MaxAttributesPerSpan)
        {
            return false;
        }

        _attributes += attributes;
        Truncated += truncated;
        return true;
    }

    public void Write(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null)
        {
            Write(key, value.AsSpan());
        }
    }

    public void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value)
    {
        if (!Admit())
        {
            return;
        }

        int limit = _policy.LimitFor(key);
        if (limit > 0 && value.Length > limit)
        {
            Truncated++;
            _inner.Write(_policy.MapKey(key), ContentTruncation.Truncate(value.ToString(), limit));
            return;
        }

        _inner.Write(_policy.MapKey(key), value);
    }

    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        if (Admit() && !TryTruncate(key, utf8Value))
        {
            _inner.WriteUtf8(_policy.MapKey(key), utf8Value);
        }
    }

    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json)
    {
        // The rendered length bounds the JSON's (it may be the embedded form's): only a long one is looked at.
        int limit = _policy.LimitFor(key);
        if (Admit() && (limit <= 0 || json.LengthBound <= limit || !TryTruncate(key, json.GetWrittenUtf8())))
        {
            _inner.WriteContentJson(_policy.MapKey(key), json);
        }
    }

    public void Write(PrecomposedKey key, string? value)
    {
        if (value is null)
        {
            return;
        }

        int limit = _policy.LimitFor(key.Key);
        if ((limit > 0 && value.Length > limit) || _policy.Renames(key.Key))
        {
            // Cut or renamed: the precomposed opening no longer applies (that write admits the attribute).
            Write(key.Key, value.AsSpan());
            return;
        }

        if (Admit())
        {
            _inner.Write(key, value);
        }
    }

    public void Write(PrecomposedKey key, long value)
    {
        if (Admit())
        {
            _inner.Write(key, value);
        }
    }

    public void Write(PrecomposedKey key, double value)
    {
        if (Admit())
        {
            _inner.Write(key, value);
        }
    }

    public void Write(PrecomposedKey key, bool value)
    {
        if (Admit())
        {
            _inner.Write(key, value);
        }
    }

    public void Write(ReadOnlySpan<byte> key, bool value)
    {
        if (Admit())
        {
            _inner.Write(key, value);
        }
    }

    public void Write(ReadOnlySpan<byte> key, long value)
    {
        if (Admit())
        {
            _inner.Write(key, value);
        }
    }

    public void Write(ReadOnlySpan<byte> key, double value)
    {
        if (Admit())
        {
            _inner.Write(key, value);
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (Admit())
        {
            _inner.WriteBytes(key, value);
        }
    }

    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        if (value.Kind == AttributeValueKind.String)
        {
            Write(key, value.StringValue);
            return;
        }

        if (value.Kind == AttributeValueKind.None || !Admit())
        {
            return;
        }

        AttributeValue limited = ContentPolicy.Limit(in value, _policy.LimitFor(key), out bool cut);
        if (cut)
        {
            Truncated++;
        }

        _inner.Write(key, in limited);
    }

    public void BeginArray(ReadOnlySpan<byte> key)
    {
        if (!BeginNested())
        {
            return;
        }

        _arrayItems = 0;
        _arrayCut = false;
        _arrayLimit = _policy.LimitFor(key);
        _inner.BeginArray(_policy.MapKey(key));
    }

    public void WriteArrayItem(string? value) => WriteArrayItem((value ?? "").AsSpan());

    public void WriteArrayItem(ReadOnlySpan<char> value)
    {
        if (!AdmitItem())
        {
            return;
        }

        if (_arrayLimit > 0 && value.Length > _arrayLimit)
        {
            _arrayCut = true;
            _inner.WriteArrayItem(ContentTruncation.Truncate(value.ToString(), _arrayLimit));
            return;
        }

        _inner.WriteArrayItem(value);
    }

    public void WriteArrayItem(bool value)
    {
        if (AdmitItem())
        {
            _inner.WriteArrayItem(value);
        }
    }

    public void WriteArrayItem(long value)
    {
        if (AdmitItem())
        {
            _inner.WriteArrayItem(value);
        }
    }

    public void WriteArrayItem(double value)
    {
        if (AdmitItem())
        {
            _inner.WriteArrayItem(value);
        }
    }

    public void WriteArrayItem(in AttributeValue value)
    {
        if (!AdmitItem())
        {
            return;
        }

        AttributeValue limited = ContentPolicy.Limit(in value, _arrayLimit, out bool cut);
        _arrayCut |= cut;
        _inner.WriteArrayItem(in limited);
    }

    public void EndArray()
    {
        if (EndNested())
        {
            if (_arrayCut)
            {
                Truncated++;
            }

            _inner.EndArray();
        }
    }

    public void BeginKeyValueList(ReadOnlySpan<byte> key)
    {
        if (BeginNested())
        {
            _inner.BeginKeyValueList(key);
        }
    }

    public void EndKeyValueList()
    {
        if (EndNested())
        {
            _inner.EndKeyValueList();
        }
    }

    /// <summary>Writes the value cut to the policy's limit, if it is longer (in characters); <see langword="false"/>
    /// when it fits and the caller writes it.</summary>
    private bool TryTruncate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        int limit = _policy.LimitFor(key);

        // A UTF-8 value has at least as many bytes as characters: only a long one can need cutting, and its
        // characters are counted without decoding it.
        if (limit <= 0 || utf8Value.Length <= limit || System.Text.Encoding.UTF8.GetCharCount(utf8Value) <= limit)
        {
            return false;
        }

        Truncated++;
        _inner.Write(_policy.MapKey(key), ContentTruncation.Truncate(System.Text.Encoding.UTF8.GetString(utf8Value), limit));
        return true;
    }

    /// <summary>Whether a value is written: inside a written list always, at the top while the span has room.</summary>
    private bool Admit()
    {
        if (_skipDepth > 0)
        {
            return false;
        }

        if (_depth > 0 || _attributes < ContentPolicy.MaxAttributesPerSpan)
        {
            _attributes += _depth == 0 ? 1 : 0;
            return true;
        }

        DroppedAttributes++;
        return false;
    }

    private bool AdmitItem()
    {
        if (_skipDepth > 0)
        {
            return false;
        }

        if (_arrayItems < ContentPolicy.MaxArrayItems)
        {
            _arrayItems++;
            return true;
        }

        _arrayCut = true;
        return false;
    }

    private bool BeginNested()
    {
        if (_skipDepth > 0 || !Admit())
        {
            _skipDepth++;
            return false;
        }

        _depth++;
        return true;
    }

    private bool EndNested()
    {
        if (_skipDepth > 0)
        {
            _skipDepth--;
            return false;
        }

        _depth--;
        return true;
    }
}

/// <summary>Writes a source through a <see cref="DestinationAttributeSink{TInner}"/>.</summary>
/// <remarks>A mutable struct: the encoders take it by reference, so after encoding it holds what the policy cut and
/// the source itself (e.g. its <c>MetadataCut</c>).</remarks>
internal struct PolicyAttributeSource<TSource>(TSource source, ContentPolicy policy, ContentSections? sections = null) : IAttributeSource
    where TSource : struct, IAttributeSource
{
    private TSource _source = source;

    /// <summary>Where sensitive members' sections are recorded, if anywhere.</summary>
    public readonly ContentSections? Sections => sections;

    /// <summary>The source, as it is after writing.</summary>
    public readonly TSource Source => _source;

    /// <summary>Values cut by the policy's limits, summed over every write.</summary>
    public int Truncated { get; private set; }

    /// <summary>Attributes of the span left out by <see cref="ContentPolicy.MaxAttributesPerSpan"/>, summed over every
    /// write.</summary>
    public int DroppedAttributes { get; private set; }

    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        var wrapped = new DestinationAttributeSink<TSink>(sink, policy, sections);
        _source.WriteTo(ref wrapped);
        sink = wrapped.Inner;
        Truncated += wrapped.Truncated;
        DroppedAttributes += wrapped.DroppedAttributes;
    }
}

/// <summary>Encodes a span whose attributes go through a <see cref="PolicyAttributeSource{TSource}"/>.</summary>
internal static class PolicyEncoding
{
    /// <summary>
    /// Encodes like <see cref="SpanEnvelopes.Encode{TAttributes}"/>. When the attribute limit left attributes out,
    /// which the encoders learn only after the header is written, the span is encoded once more with its
    /// <c>droppedAttributesCount</c> set: a rare path, and the receiver learns what it is missing. The second pass
    /// starts from a copy of the source as it was before the first, so nothing is counted twice.
    /// </summary>
    public static SpanFragment Encode<TSource>(SpanEncoding encoding, in SpanHeader header, ref PolicyAttributeSource<TSource> attributes, bool contentWithheld)
        where TSource : struct, IAttributeSource
    {
        PolicyAttributeSource<TSource> unwritten = attributes;
        SpanFragment fragment = SpanEnvelopes.Encode(encoding, in header, ref attributes, contentWithheld);
        if (attributes.DroppedAttributes == 0)
        {
            return fragment;
        }

        // Written again: sections recorded so far describe the first writing, not this one.
        fragment.Release();
        attributes.Sections?.Invalidate();
        SpanHeader counted = header with { DroppedAttributesCount = header.DroppedAttributesCount + (uint)attributes.DroppedAttributes };
        attributes = unwritten;
        return SpanEnvelopes.Encode(encoding, in counted, ref attributes, contentWithheld);
    }
}

namespace OtlpBroadcast;

/// <summary>
/// What one encoding variant applies on the way to the wire: content keys renamed for the router-compatible format,
/// string values cut to the destination's limit (JSON content kept valid), <c>user.id</c> and <c>session.id</c> cut
/// to 128 characters as the hosted router does.
/// </summary>
internal sealed class ContentPolicy
{
    /// <summary>The router's limit for <c>user</c> and <c>session_id</c>.</summary>
    public const int IdentityMaxLength = 128;

    public ContentPolicy(ContentFormat format, int maxLength) => Reset(format, maxLength);

    public ContentFormat Format { get; private set; }

    public int MaxLength { get; private set; }

    /// <summary>Values cut by this policy (summed over every span it encoded).</summary>
    public int Truncated;

    /// <summary>Makes this (reused) policy a new one.</summary>
    public void Reset(ContentFormat format, int maxLength)
    {
        Format = format;
        MaxLength = maxLength;
        Truncated = 0;
    }

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

    public int LimitFor(ReadOnlySpan<byte> key)
        => key.SequenceEqual("user.id"u8) || key.SequenceEqual("session.id"u8) ? IdentityMaxLength : MaxLength;
}

/// <summary>Applies a <see cref="ContentPolicy"/> in front of the encoding's own sink.</summary>
internal struct DestinationAttributeSink<TInner> : IAttributeSink where TInner : struct, IAttributeSink
{
    private TInner _inner;
    private readonly ContentPolicy _policy;

    public DestinationAttributeSink(TInner inner, ContentPolicy policy)
    {
        _inner = inner;
        _policy = policy;
    }

    /// <summary>The wrapped sink, to be copied back after writing (it may carry state).</summary>
    public readonly TInner Inner => _inner;

    public void Write(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null)
        {
            Write(key, value.AsSpan());
        }
    }

    public void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value)
    {
        int limit = _policy.LimitFor(key);
        if (limit > 0 && value.Length > limit)
        {
            Interlocked.Increment(ref _policy.Truncated);
            _inner.Write(_policy.MapKey(key), ContentTruncation.Truncate(value.ToString(), limit));
            return;
        }

        _inner.Write(_policy.MapKey(key), value);
    }

    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        int limit = _policy.LimitFor(key);

        // A UTF-8 value has at least as many bytes as characters: only a long one can need cutting.
        if (limit > 0 && utf8Value.Length > limit)
        {
            string text = System.Text.Encoding.UTF8.GetString(utf8Value);
            if (text.Length > limit)
            {
                Interlocked.Increment(ref _policy.Truncated);
                _inner.Write(_policy.MapKey(key), ContentTruncation.Truncate(text, limit));
                return;
            }
        }

        _inner.WriteUtf8(_policy.MapKey(key), utf8Value);
    }

    public void Write(ReadOnlySpan<byte> key, bool value) => _inner.Write(key, value);

    public void Write(ReadOnlySpan<byte> key, long value) => _inner.Write(key, value);

    public void Write(ReadOnlySpan<byte> key, double value) => _inner.Write(key, value);

    public void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _inner.WriteBytes(key, value);

    public void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        if (value.Kind == AttributeValueKind.String)
        {
            Write(key, value.StringValue);
        }
        else
        {
            _inner.Write(key, in value);
        }
    }

    public void BeginArray(ReadOnlySpan<byte> key) => _inner.BeginArray(_policy.MapKey(key));

    public void WriteArrayItem(string? value) => _inner.WriteArrayItem(value);

    public void WriteArrayItem(ReadOnlySpan<char> value) => _inner.WriteArrayItem(value);

    public void WriteArrayItem(bool value) => _inner.WriteArrayItem(value);

    public void WriteArrayItem(long value) => _inner.WriteArrayItem(value);

    public void WriteArrayItem(double value) => _inner.WriteArrayItem(value);

    public void WriteArrayItem(in AttributeValue value) => _inner.WriteArrayItem(in value);

    public void EndArray() => _inner.EndArray();

    public void BeginKeyValueList(ReadOnlySpan<byte> key) => _inner.BeginKeyValueList(key);

    public void EndKeyValueList() => _inner.EndKeyValueList();
}

/// <summary>Writes a source through a <see cref="DestinationAttributeSink{TInner}"/>.</summary>
internal readonly struct PolicyAttributeSource<TSource>(TSource source, ContentPolicy policy) : IAttributeSource
    where TSource : struct, IAttributeSource
{
    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        var wrapped = new DestinationAttributeSink<TSink>(sink, policy);
        source.WriteTo(ref wrapped);
        sink = wrapped.Inner;
    }
}

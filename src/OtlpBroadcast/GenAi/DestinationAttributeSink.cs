namespace OtlpBroadcast;

/// <summary>
/// What one encoding variant applies on the way to the wire: content keys renamed for the router-compatible format,
/// string values cut to the destination's limit (JSON content kept valid), <c>user.id</c> and <c>session.id</c> cut
/// to 128 characters as the hosted router does.
/// </summary>
internal readonly record struct ContentPolicy(ContentFormat Format, int MaxLength)
{
    /// <summary>The router's limit for <c>user</c> and <c>session_id</c>.</summary>
    public const int IdentityMaxLength = 128;

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

    public int LimitFor(ReadOnlySpan<byte> key)
        => key.SequenceEqual("user.id"u8) || key.SequenceEqual("session.id"u8) ? IdentityMaxLength : MaxLength;
}

/// <summary>Applies a <see cref="ContentPolicy"/> in front of the encoding's own sink.</summary>
internal struct DestinationAttributeSink<TInner> : IAttributeSink where TInner : struct, IAttributeSink
{
    private TInner _inner;
    private readonly ContentPolicy _policy;
    private int _truncated;

    public DestinationAttributeSink(TInner inner, ContentPolicy policy)
    {
        _inner = inner;
        _policy = policy;
    }

    /// <summary>The wrapped sink, to be copied back after writing (it may carry state).</summary>
    public readonly TInner Inner => _inner;

    /// <summary>Values this sink cut to the policy's limit.</summary>
    public readonly int Truncated => _truncated;

    /// <summary>The policy applied.</summary>
    public readonly ContentPolicy Policy => _policy;

    /// <summary>Counts values that were cut when the attributes that are copied now were first written.</summary>
    public void CountTruncated(int values) => _truncated += values;

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
            _truncated++;
            _inner.Write(_policy.MapKey(key), ContentTruncation.Truncate(value.ToString(), limit));
            return;
        }

        _inner.Write(_policy.MapKey(key), value);
    }

    public void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value)
    {
        if (!TryTruncate(key, utf8Value))
        {
            _inner.WriteUtf8(_policy.MapKey(key), utf8Value);
        }
    }

    public void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json)
    {
        if (!TryTruncate(key, json.GetWrittenUtf8()))
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
            // Cut or renamed: the precomposed opening no longer applies.
            Write(key.Key, value.AsSpan());
            return;
        }

        _inner.Write(key, value);
    }

    public void Write(PrecomposedKey key, long value) => _inner.Write(key, value);

    public void Write(PrecomposedKey key, double value) => _inner.Write(key, value);

    public void Write(PrecomposedKey key, bool value) => _inner.Write(key, value);

    public void Write(ReadOnlySpan<byte> key, bool value) => _inner.Write(key, value);

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

        _truncated++;
        _inner.Write(_policy.MapKey(key), ContentTruncation.Truncate(System.Text.Encoding.UTF8.GetString(utf8Value), limit));
        return true;
    }


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
/// <remarks>A mutable struct: the encoders take it by reference, so after encoding it holds what the policy cut and
/// the source itself (e.g. its <c>MetadataCut</c>).</remarks>
internal struct PolicyAttributeSource<TSource>(TSource source, ContentPolicy policy) : IAttributeSource
    where TSource : struct, IAttributeSource
{
    private TSource _source = source;

    /// <summary>The source, as it is after writing.</summary>
    public readonly TSource Source => _source;

    /// <summary>Values cut to the policy's limit, summed over every write.</summary>
    public int Truncated { get; private set; }

    public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
    {
        var wrapped = new DestinationAttributeSink<TSink>(sink, policy);
        _source.WriteTo(ref wrapped);
        sink = wrapped.Inner;
        Truncated += wrapped.Truncated;
    }
}

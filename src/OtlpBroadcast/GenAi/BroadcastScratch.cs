namespace OtlpBroadcast;

/// <summary>
/// The objects broadcasting one span tree needs, kept with a pooled recording and reused by its next calls: the
/// identity and facts the attribute sources read, one content policy per encoding variant, and the fragments of every
/// variant (the recording's own references, released once every destination has queued its own).
/// </summary>
internal sealed class BroadcastScratch
{
    private Variant[] _variants = new Variant[2];
    private int _variantCount;
    private SpanFragment[] _fragments = new SpanFragment[8];
    private int _fragmentCount;

    public RequestIdentity Identity { get; } = new();

    public GenerationFacts Facts { get; } = new();

    /// <summary>The index of the variant encoded for <paramref name="key"/>, or -1.</summary>
    public int FindVariant(VariantKey key)
    {
        for (int i = 0; i < _variantCount; i++)
        {
            if (_variants[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Starts a variant; its fragments are the ones added until <see cref="EndVariant"/>.</summary>
    public int AddVariant(VariantKey key)
    {
        if (_variantCount == _variants.Length)
        {
            Array.Resize(ref _variants, _variants.Length * 2);
        }

        ref Variant variant = ref _variants[_variantCount];
        variant.Key = key;
        variant.Policy ??= new ContentPolicy(key.Format, key.MaxLength);
        variant.Policy.Reset(key.Format, key.MaxLength);
        variant.First = _fragmentCount;
        variant.Count = 0;
        return _variantCount++;
    }

    public VariantKey KeyOf(int variant) => _variants[variant].Key;

    public ContentPolicy PolicyOf(int variant) => _variants[variant].Policy!;

    public void AddFragment(SpanFragment fragment)
    {
        if (_fragmentCount == _fragments.Length)
        {
            Array.Resize(ref _fragments, _fragments.Length * 2);
        }

        _fragments[_fragmentCount++] = fragment;
    }

    public void EndVariant(int variant)
    {
        ref Variant encoded = ref _variants[variant];
        encoded.Count = _fragmentCount - encoded.First;
    }

    public ReadOnlySpan<SpanFragment> FragmentsOf(int variant)
    {
        Variant encoded = _variants[variant];
        return _fragments.AsSpan(encoded.First, encoded.Count);
    }

    /// <summary>Releases every fragment made (also those of a variant whose encoding failed half-way) and forgets
    /// the variants; returns the values the variants' policies cut.</summary>
    public int ReleaseFragments()
    {
        int truncated = 0;
        for (int i = 0; i < _variantCount; i++)
        {
            truncated += _variants[i].Policy!.Truncated;
        }

        _variantCount = 0;
        for (int i = 0; i < _fragmentCount; i++)
        {
            SpanFragment fragment = _fragments[i];
            _fragments[i] = null!;
            fragment.Release();
        }

        _fragmentCount = 0;
        return truncated;
    }

    /// <summary>Drops every reference to the caller's objects.</summary>
    public void Clear()
    {
        if (_fragmentCount > 0)
        {
            ReleaseFragments();
        }

        Identity.Clear();
        Facts.Clear();
    }

    private struct Variant
    {
        public VariantKey Key;
        public ContentPolicy? Policy;
        public int First;
        public int Count;
    }
}

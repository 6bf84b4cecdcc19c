namespace OtlpBroadcast;

/// <summary>
/// The objects broadcasting one span tree needs, kept with a pooled recording and reused by its next calls: the
/// identity and facts the attribute sources read, one content policy per encoding variant, the attempts' span ids,
/// and the fragments of every variant (the recording's own references, released once every destination has queued
/// its own).
/// </summary>
internal sealed class BroadcastScratch
{
    private Variant[] _variants = new Variant[2];
    private int _variantCount;
    private Entry[] _entries = new Entry[8];
    private SpanFragment[] _fragments = new SpanFragment[8];
    private int _fragmentCount;
    private SpanId[] _attemptIds = new SpanId[2];

    public RequestIdentity Identity { get; } = new();

    public GenerationFacts Facts { get; } = new();

    /// <summary>New random span ids for <paramref name="count"/> attempts: an attempt has the same id at every
    /// destination, like the tree's other spans.</summary>
    public void NewAttemptIds(int count)
    {
        if (count > _attemptIds.Length)
        {
            _attemptIds = new SpanId[count];
        }

        for (int i = 0; i < count; i++)
        {
            _attemptIds[i] = SpanId.CreateRandom();
        }
    }

    public SpanId AttemptId(int attempt) => _attemptIds[attempt];

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

    /// <summary>An earlier variant whose spans without content are the bytes <paramref name="variant"/> needs: the
    /// same wire encoding and length limit (privacy and content format only change the generation span), or -1.</summary>
    public int FindVariantToShareWith(int variant)
    {
        VariantKey key = _variants[variant].Key;
        for (int i = 0; i < variant; i++)
        {
            VariantKey candidate = _variants[i].Key;
            if (candidate.Encoding == key.Encoding && candidate.MaxLength == key.MaxLength)
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

    /// <summary>Adds a fragment just encoded, with the values and metadata entries its encoding cut.</summary>
    public void AddFragment(SpanFragment fragment, int truncated, int metadataCut)
    {
        if (_fragmentCount == _fragments.Length)
        {
            Array.Resize(ref _fragments, _fragments.Length * 2);
            Array.Resize(ref _entries, _fragments.Length);
        }

        _fragments[_fragmentCount] = fragment;
        _entries[_fragmentCount] = new Entry(truncated, metadataCut);
        _fragmentCount++;
    }

    /// <summary>
    /// Adds the fragment at <paramref name="position"/> of <paramref name="donor"/> to the variant being encoded, with
    /// a reference of its own, and counts what its encoding cut once more, for the variant's policy: as if it had
    /// been encoded again.
    /// </summary>
    public void AddShared(int donor, int position, ContentPolicy policy)
    {
        int index = _variants[donor].First + position;
        SpanFragment fragment = _fragments[index];
        Entry entry = _entries[index];
        fragment.AddReference();
        AddFragment(fragment, entry.Truncated, entry.MetadataCut);
        policy.Truncated += entry.Truncated;
        Identity.MetadataCut += entry.MetadataCut;
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

    /// <summary>Releases every fragment reference held (also those of a variant whose encoding failed half-way)
    /// and forgets the variants; returns the values the variants' policies cut.</summary>
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

    /// <summary>What encoding a fragment cut, to be counted again where it is shared.</summary>
    private readonly record struct Entry(int Truncated, int MetadataCut);
}

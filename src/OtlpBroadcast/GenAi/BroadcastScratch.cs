namespace OtlpBroadcast;

/// <summary>
/// The lists broadcasting one span tree needs, kept with a pooled recording and reused by its next calls: the
/// encoding variants, the attempts' span ids, and the fragments of every variant with what the limits cut in each
/// (the recording's own references, released once every destination has queued its own).
/// </summary>
internal sealed class BroadcastScratch
{
    private Variant[] _variants = new Variant[2];
    private int _variantCount;
    private SpanCounts[] _counts = new SpanCounts[8];
    private SpanFragment[] _fragments = new SpanFragment[8];
    private int _fragmentCount;
    private SpanId[] _attemptIds = new SpanId[2];
    private readonly ContentSections _sections = new();

    /// <summary>The variant recording <see cref="_sections"/> (-1: none yet).</summary>
    private int _sectionsVariant = -1;

    /// <summary>The fragment whose sections are recorded and usable (-1: none).</summary>
    private int _fragmentWithSections = -1;

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
        variant.First = _fragmentCount;
        variant.Count = 0;
        return _variantCount++;
    }

    public VariantKey KeyOf(int variant) => _variants[variant].Key;

    /// <summary>Forgets the variant added last and releases its fragments (it failed half-way).</summary>
    public void DiscardLastVariant()
    {
        int variant = _variantCount - 1;
        int first = _variants[variant].First;
        for (int i = first; i < _fragmentCount; i++)
        {
            SpanFragment fragment = _fragments[i];
            _fragments[i] = null!;
            fragment.Release();
        }

        _fragmentCount = first;
        if (_sectionsVariant == variant)
        {
            _sectionsVariant = -1;
            _fragmentWithSections = -1;
        }

        _variantCount--;
    }

    /// <summary>
    /// The sections to record while the generation span of <paramref name="variant"/> (with content) is encoded, or
    /// <see langword="null"/> when another variant of this tree records them already.
    /// </summary>
    public ContentSections? RecordSectionsFor(int variant)
    {
        if (_sectionsVariant >= 0)
        {
            return null;
        }

        _sectionsVariant = variant;
        _sections.Reset();
        return _sections;
    }

    /// <summary>Adds a fragment; <paramref name="withSections"/>: the one whose sections were recorded, usable to
    /// make the span without content.</summary>
    public void AddFragment(SpanFragment fragment, SpanCounts counts, bool withSections)
    {
        if (withSections)
        {
            _fragmentWithSections = _fragmentCount;
        }

        AddFragment(fragment, counts);
    }

    /// <summary>
    /// Adds the generation span without content made from the one with content of the variant
    /// <paramref name="withContent"/>, if that variant recorded its sections; <see langword="false"/> (nothing added)
    /// if it did not.
    /// </summary>
    public bool TryAddWithoutContent(VariantKey withContent)
    {
        if (_fragmentWithSections < 0 || _variants[_sectionsVariant].Key != withContent)
        {
            return false;
        }

        SpanCounts counts = _counts[_fragmentWithSections];
        SpanFragment? withheld = _sections.CopyWithout(_fragments[_fragmentWithSections]);
        if (withheld is null)
        {
            return false;
        }

        AddFragment(withheld, counts with { Truncated = counts.Truncated - _sections.TruncatedInside });
        WithheldSpansDerived++;
        return true;
    }

    /// <summary>Generation spans without content made from the span with content since the fragments were last
    /// released.</summary>
    public int WithheldSpansDerived { get; private set; }

    /// <summary>Adds a fragment just encoded, with what the limits cut in it.</summary>
    public void AddFragment(SpanFragment fragment, SpanCounts counts)
    {
        if (_fragmentCount == _fragments.Length)
        {
            Array.Resize(ref _fragments, _fragments.Length * 2);
            Array.Resize(ref _counts, _fragments.Length);
        }

        _fragments[_fragmentCount] = fragment;
        _counts[_fragmentCount] = counts;
        _fragmentCount++;
    }

    /// <summary>
    /// Adds the fragment at <paramref name="position"/> of <paramref name="donor"/> to the variant being encoded, with
    /// a reference of its own and what the limits cut in it counted once more: as if it had been encoded again.
    /// </summary>
    public void AddShared(int donor, int position)
    {
        int index = _variants[donor].First + position;
        SpanFragment fragment = _fragments[index];
        fragment.AddReference();
        AddFragment(fragment, _counts[index]);
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

    /// <summary>What the limits cut in the spans of <paramref name="variant"/>.</summary>
    public SpanCounts CountsOf(int variant)
    {
        Variant encoded = _variants[variant];
        return SpanCounts.Sum(_counts.AsSpan(encoded.First, encoded.Count));
    }

    /// <summary>Releases every fragment reference held (also those of a variant whose encoding failed half-way)
    /// and forgets the variants; returns what the limits cut in all of them, each variant counted on its own.</summary>
    public SpanCounts ReleaseFragments()
    {
        SpanCounts counted = SpanCounts.Sum(_counts.AsSpan(0, _fragmentCount));
        _variantCount = 0;
        _sectionsVariant = -1;
        _fragmentWithSections = -1;
        WithheldSpansDerived = 0;
        for (int i = 0; i < _fragmentCount; i++)
        {
            SpanFragment fragment = _fragments[i];
            _fragments[i] = null!;
            fragment.Release();
        }

        _fragmentCount = 0;
        return counted;
    }

    /// <summary>Lets go of every fragment still held (after a failure half-way).</summary>
    public void Clear()
    {
        if (_fragmentCount > 0)
        {
            ReleaseFragments();
        }
    }

    private struct Variant
    {
        public VariantKey Key;
        public int First;
        public int Count;
    }
}

/// <summary>What the limits cut in encoding spans: string and array values cut, attributes left out, metadata
/// entries left out.</summary>
internal readonly record struct SpanCounts(int Truncated, int DroppedAttributes, int MetadataCut)
{
    public static SpanCounts Sum(ReadOnlySpan<SpanCounts> counts)
    {
        int truncated = 0;
        int dropped = 0;
        int metadataCut = 0;
        foreach (SpanCounts count in counts)
        {
            truncated += count.Truncated;
            dropped += count.DroppedAttributes;
            metadataCut += count.MetadataCut;
        }

        return new SpanCounts(truncated, dropped, metadataCut);
    }
}

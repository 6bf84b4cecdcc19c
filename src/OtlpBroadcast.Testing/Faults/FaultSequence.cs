namespace OtlpBroadcast.Testing;

/// <summary>
/// The reproducible fault sequence of an <see cref="OtlpFaultReceiver"/>: the fault of request <c>i</c> and the size
/// of its partial success are drawn from a hash of (seed, i), so they do not depend on timing or on other requests.
/// </summary>
internal sealed class FaultSequence
{
    private readonly ReceiverFault[] _faults;
    private readonly long[] _cumulative;
    private readonly ReceiverFault[] _script;
    private readonly ulong _seed;

    public FaultSequence(int seed, IReadOnlyDictionary<ReceiverFault, int> weights, IReadOnlyList<ReceiverFault> script)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(script);
        var faults = new List<ReceiverFault>();
        var cumulative = new List<long>();
        long total = 0;

        // Enum order, not the dictionary's: the same weights give the same sequence however they were written.
        foreach (var fault in Enum.GetValues<ReceiverFault>())
        {
            if (!weights.TryGetValue(fault, out var weight) || weight == 0)
            {
                continue;
            }

            if (weight < 0)
            {
                throw new ArgumentException($"The weight of {fault} is {weight}; weights cannot be negative.", nameof(weights));
            }

            total += weight;
            faults.Add(fault);
            cumulative.Add(total);
        }

        foreach (var fault in weights.Keys.Concat(script))
        {
            if (!Enum.IsDefined(fault))
            {
                throw new ArgumentException($"{(int)fault} is not a {nameof(ReceiverFault)}.", nameof(weights));
            }
        }

        if (total == 0)
        {
            throw new ArgumentException("At least one fault needs a positive weight.", nameof(weights));
        }

        _script = [.. script];
        _faults = [.. faults];
        _cumulative = [.. cumulative];
        _seed = (ulong)(uint)seed;
    }

    /// <summary>The fault of request <paramref name="index"/>.</summary>
    public ReceiverFault Choose(int index)
    {
        if (index < _script.Length)
        {
            return _script[index];
        }

        var draw = (long)(Mix(index, salt: 0) % (ulong)_cumulative[^1]);
        for (var i = 0; ; i++)
        {
            if (draw < _cumulative[i])
            {
                return _faults[i];
            }
        }
    }

    /// <summary>How many of the <paramref name="spanCount"/> spans of request <paramref name="index"/> a partial
    /// success rejects: 1 to <paramref name="spanCount"/>.</summary>
    public int Rejected(int index, int spanCount)
        => spanCount <= 0 ? 0 : 1 + (int)(Mix(index, salt: 1) % (ulong)spanCount);

    // SplitMix64's finaliser over the seed, the index and a salt per kind of draw.
    private ulong Mix(int index, int salt)
    {
        var z = (_seed * 0x9E3779B97F4A7C15UL) + ((ulong)(uint)index << 8) + (ulong)salt + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

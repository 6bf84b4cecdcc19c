using System.Diagnostics;

namespace OtlpBroadcast.IntegrationTests.Soak;

/// <summary>
/// Producer threads that record generations at a steady pace until stopped, each counting its generations, spans and
/// the request-path cost of every recording. The label (the trace name) can change while they run, so a test can
/// tell phases apart in what a receiver stored.
/// </summary>
internal sealed class SoakProducers
{
    private readonly GenerationBroadcaster _broadcaster;
    private readonly int _generationsPerSecond;
    private readonly Thread[] _threads;
    private readonly Counts[] _counts;
    private volatile string _label;
    private volatile bool _stop;

    public SoakProducers(GenerationBroadcaster broadcaster, int producers, int generationsPerSecond, string label)
    {
        _broadcaster = broadcaster;
        _generationsPerSecond = generationsPerSecond;
        _label = label;
        _counts = [.. Enumerable.Range(0, producers).Select(_ => new Counts())];
        _threads = [.. Enumerable.Range(0, producers).Select(i => new Thread(() => Produce(i)) { IsBackground = true, Name = $"soak-producer-{i}" })];
    }

    public void Start()
    {
        foreach (Thread thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>The trace name of the generations recorded from now on.</summary>
    public string Label
    {
        get => _label;
        set => _label = value;
    }

    /// <summary>Stops and joins every producer; false if one did not end within <paramref name="patience"/>.</summary>
    public bool Stop(TimeSpan patience)
    {
        _stop = true;
        return _threads.All(t => t.Join(patience));
    }

    public long Generations => _counts.Sum(c => Volatile.Read(ref c.Generations));

    public long Spans => _counts.Sum(c => Volatile.Read(ref c.Spans));

    /// <summary>Spans and generations per label. Read after <see cref="Stop"/>.</summary>
    public IReadOnlyDictionary<string, (long Generations, long Spans)> ByLabel()
    {
        var totals = new Dictionary<string, (long Generations, long Spans)>();
        foreach (Counts counts in _counts)
        {
            foreach ((string label, (long generations, long spans)) in counts.ByLabel)
            {
                (long g, long s) = totals.GetValueOrDefault(label);
                totals[label] = (g + generations, s + spans);
            }
        }

        return totals;
    }

    /// <summary>The request-path cost of every recording, in microseconds, sorted. Read after <see cref="Stop"/>.</summary>
    public double[] CostsMicroseconds()
    {
        double[] costs = [.. _counts.SelectMany(c => c.Ticks).Select(t => t * 1_000_000.0 / Stopwatch.Frequency)];
        Array.Sort(costs);
        return costs;
    }

    private void Produce(int producer)
    {
        Counts counts = _counts[producer];
        long interval = Stopwatch.Frequency / _generationsPerSecond;
        long next = Stopwatch.GetTimestamp();
        for (long sequence = 0; !_stop; sequence++)
        {
            string label = _label;
            int spans = SoakGenerations.Record(_broadcaster, label, producer, sequence, out long ticks);
            counts.Ticks.Add(ticks);
            (long g, long s) = counts.ByLabel.GetValueOrDefault(label);
            counts.ByLabel[label] = (g + 1, s + spans);
            Interlocked.Increment(ref counts.Generations);
            Interlocked.Add(ref counts.Spans, spans);

            next += interval;
            long now = Stopwatch.GetTimestamp();
            if (next > now)
            {
                Thread.Sleep(TimeSpan.FromSeconds((double)(next - now) / Stopwatch.Frequency));
            }
            else if (now - next > Stopwatch.Frequency)
            {
                // More than a second behind (a loaded machine): go on at the pace, without a catch-up burst.
                next = now;
            }
        }
    }

    private sealed class Counts
    {
        public readonly List<long> Ticks = new(capacity: 4096);
        public readonly Dictionary<string, (long Generations, long Spans)> ByLabel = [];
        public long Generations;
        public long Spans;
    }
}

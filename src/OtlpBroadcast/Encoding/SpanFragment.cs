namespace OtlpBroadcast;

/// <summary>
/// One span, encoded once, held in a pooled buffer. A fragment is shared by reference between the queues of every
/// destination that takes it (each holds a reference); the last <see cref="Release"/> returns the buffer to the pool.
/// A batch is the concatenation of its fragments inside an envelope: nothing is serialised twice. Fragments are pooled
/// with their arrays (<see cref="FragmentPool"/>), so that a warmed-up broadcast allocates nothing although fragments
/// are filled on the request thread and released on exporter threads.
/// </summary>
public sealed class SpanFragment
{
    private readonly byte[] _buffer;
    private int _length;
    private int _references;

    internal SpanFragment(byte[] buffer) => _buffer = buffer;

    /// <summary>The encoded bytes (valid until the last reference is released).</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    /// <summary>The encoded bytes as memory.</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>The number of encoded bytes.</summary>
    public int Length => _length;

    /// <summary>The size of the array behind the bytes (what the fragment keeps alive).</summary>
    internal int Capacity => _buffer.Length;

    /// <summary>The references held now, for a test that checks none was leaked or released twice.</summary>
    internal int ReferencesForTests => Volatile.Read(ref _references);

    /// <summary>The encoding of the bytes.</summary>
    public SpanEncoding Encoding { get; private set; }

    /// <summary>Whether the span was encoded with sensitive content withheld, so that it may go to a destination
    /// in privacy mode.</summary>
    public bool ContentWithheld { get; private set; }

    /// <summary>
    /// Copies an encoded span into a pooled fragment whose array is about its own size (an encoder's reusable buffer
    /// grows in large steps, and a queue of fragments holding those would keep several times the encoded bytes
    /// alive); one reference is held by the caller.
    /// </summary>
    internal static SpanFragment CopyOf(ReadOnlySpan<byte> encoded, SpanEncoding encoding, bool contentWithheld)
    {
        SpanFragment fragment = Rent(encoded.Length, encoding, contentWithheld, out Span<byte> bytes);
        encoded.CopyTo(bytes);
        return fragment;
    }

    /// <summary>A pooled fragment of <paramref name="length"/> bytes for the caller to fill through
    /// <paramref name="bytes"/>; one reference is held by the caller.</summary>
    internal static SpanFragment Rent(int length, SpanEncoding encoding, bool contentWithheld, out Span<byte> bytes)
    {
        SpanFragment fragment = FragmentPool.Rent(length);
        fragment._length = length;
        fragment._references = 1;
        fragment.Encoding = encoding;
        fragment.ContentWithheld = contentWithheld;
        bytes = fragment._buffer.AsSpan(0, length);
        return fragment;
    }

    /// <summary>Writes an idle fragment's length again (it is 0 already): brings the fragment's memory to this
    /// thread's core before it is rented (<see cref="FragmentPool"/>).</summary>
    internal void Claim() => _length = 0;

    /// <summary>Adds a reference, e.g. for one more destination queue.</summary>
    public void AddReference()
    {
        // Compare-and-swap rather than Increment: a refused call must leave the count as it was (zero or below), or
        // a later Release would "succeed" and put this fragment into the pool a second time.
        int current = Volatile.Read(ref _references);
        while (true)
        {
            if (current <= 0)
            {
                throw new InvalidOperationException("The fragment was already released.");
            }

            int seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Drops a reference; the last one returns the fragment, with its array, to the pool.</summary>
    public void Release()
    {
        int remaining = Interlocked.Decrement(ref _references);
        if (remaining > 0)
        {
            return;
        }

        if (remaining < 0)
        {
            throw new InvalidOperationException("The fragment was released more times than it was referenced.");
        }

        _length = 0;
        FragmentPool.Return(this);
    }
}

/// <summary>The wire encodings of span fragments.</summary>
public enum SpanEncoding
{
    /// <summary>OTLP/JSON (<c>application/json</c>).</summary>
    Json = 0,

    /// <summary>OTLP protobuf (<c>application/x-protobuf</c>): the fragment is one <c>Span</c> message.</summary>
    Protobuf = 1,
}

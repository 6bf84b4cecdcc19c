using System.Collections.ObjectModel;
using Microsoft.Extensions.Logging;

namespace OtlpBroadcast.Testing;

/// <summary>How an <see cref="OtlpFaultReceiver"/> chooses its faults and checks requests.</summary>
public sealed class OtlpFaultReceiverOptions
{
    /// <summary>Every fault, with accepting the batch the most likely answer.</summary>
    public static IReadOnlyDictionary<ReceiverFault, int> DefaultWeights { get; } = new ReadOnlyDictionary<ReceiverFault, int>(
        new Dictionary<ReceiverFault, int>
        {
            [ReceiverFault.Accept] = 60,
            [ReceiverFault.PartialSuccess] = 6,
            [ReceiverFault.TooManyRequests] = 5,
            [ReceiverFault.InternalServerError] = 4,
            [ReceiverFault.ServiceUnavailable] = 6,
            [ReceiverFault.PayloadTooLarge] = 4,
            [ReceiverFault.Hang] = 3,
            [ReceiverFault.Reset] = 4,
            [ReceiverFault.ResetAfterStore] = 4,
            [ReceiverFault.CloseMidBody] = 4,
        });

    /// <summary>The seed of the fault sequence: the fault of request number <c>i</c> (0-based, in arrival order)
    /// depends only on the seed, <c>i</c> and <see cref="Weights"/>, so a run can be replayed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The relative likelihood of each fault; faults not listed never happen. Weights are not negative and
    /// at least one is positive.</summary>
    public IReadOnlyDictionary<ReceiverFault, int> Weights { get; init; } = DefaultWeights;

    /// <summary>Faults to meet first, in order: request <c>i</c> meets <c>Script[i]</c> while there is one, and a fault
    /// drawn by <see cref="Weights"/> after that. Empty by default.</summary>
    public IReadOnlyList<ReceiverFault> Script { get; init; } = [];

    /// <summary>The <c>Retry-After</c> of <see cref="ReceiverFault.TooManyRequests"/>, sent in whole seconds (rounded up);
    /// 1 s by default.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a <see cref="ReceiverFault.Hang"/> holds a request when the client does not give up first;
    /// 2 minutes by default.</summary>
    public TimeSpan MaxHang { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Decode strictly (see <see cref="OtlpJsonTraceDecoder"/>); true by default. A body that does not decode is
    /// answered 400 and draws no fault.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>The largest body accepted (raw, and again after gunzip) before answering 413 without drawing a fault.</summary>
    public long MaxRequestBodyBytes { get; init; } = OtlpTestReceiverOptions.DefaultMaxRequestBodyBytes;

    /// <summary>The loopback port to listen on; 0 (the default) takes a free one.</summary>
    public int Port { get; init; }

    /// <summary>Keep every request's bodies and decoded spans in <see cref="OtlpFaultReceiver.Requests"/>; off by default,
    /// so that a long soak holds only a few bytes per span.</summary>
    public bool KeepBodies { get; init; }

    /// <summary>Called once per request, with its bodies and decoded spans whatever <see cref="KeepBodies"/> says, after
    /// the fault was applied. Called concurrently when requests overlap; what it throws is not caught.</summary>
    public Action<FaultRequest>? OnRequest { get; init; }

    /// <summary>Adds logging providers; the receiver logs nothing by default.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Weights under which every request meets <paramref name="fault"/>.</summary>
    public static IReadOnlyDictionary<ReceiverFault, int> Only(ReceiverFault fault)
        => new ReadOnlyDictionary<ReceiverFault, int>(new Dictionary<ReceiverFault, int> { [fault] = 1 });
}

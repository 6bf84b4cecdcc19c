using System.Net;
using System.Net.Sockets;
using OtlpBroadcast.Configuration;

namespace OtlpBroadcast.Export;

/// <summary>
/// Which network addresses destinations may be sent to. Off by default (<see cref="Unrestricted"/>): a service that
/// configures its own destinations needs none. A multi-tenant gateway, whose users type in their own endpoints,
/// turns on <see cref="RequirePublicAddresses"/> so that a user cannot make the gateway send requests into its own
/// network (server-side request forgery): to loopback, private (RFC 1918, IPv6 unique local), link-local, carrier-grade
/// NAT, multicast, reserved or cloud metadata addresses (<see cref="NetworkAddressKind"/>).
/// </summary>
/// <remarks>
/// The policy is enforced when the connection is made: the HTTP handler of <see cref="CreateHandler"/> resolves the
/// host itself, checks every address and connects only to an allowed one, so a name that resolves to a public
/// address when the destination is saved and to a private one later (DNS rebinding) is still refused. When a
/// destination is configured, a host that is an IP literal or <c>localhost</c> is refused at once, with a message
/// (see <see cref="FindProblem(Uri)"/>). Messages name the kind of address, never the address a name resolved to:
/// that would tell a user about the network behind the gateway.
/// </remarks>
public sealed class DestinationNetworkPolicy
{
    private readonly HashSet<string> _allowedHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<HttpMessageInvoker> _sharedClient;

    /// <summary>A policy that allows everything (set <see cref="RequirePublicAddresses"/> to restrict).</summary>
    public DestinationNetworkPolicy() => _sharedClient = new(() => new HttpMessageInvoker(CreateHandler(), disposeHandler: false));

    /// <summary>No restriction: the default.</summary>
    public static DestinationNetworkPolicy Unrestricted { get; } = new();

    /// <summary>Only public addresses, no exemption: what a multi-tenant gateway wants.</summary>
    public static DestinationNetworkPolicy PublicAddressesOnly { get; } = new() { RequirePublicAddresses = true };

    /// <summary>Refuse every destination whose host is, or resolves only to, an address that is not
    /// <see cref="NetworkAddressKind.Public"/>. Off by default.</summary>
    public bool RequirePublicAddresses { get; init; }

    /// <summary>
    /// Host names (or IP literals) exempt from the check, compared case-insensitively with the endpoint's host, e.g.
    /// the operator's own collector on the private network. An exemption holds for every destination that names the
    /// host, users' destinations included: never exempt a host that must not receive users' requests (loopback, the
    /// gateway's own admin interfaces).
    /// </summary>
    public IReadOnlyCollection<string> AllowedHosts
    {
        get => _allowedHosts;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _allowedHosts.Clear();
            foreach (string host in value)
            {
                if (string.IsNullOrWhiteSpace(host))
                {
                    throw new OtlpConfigurationException("The network policy's AllowedHosts has an empty entry.");
                }

                _allowedHosts.Add(NormalizeHost(host.Trim()));
            }
        }
    }

    /// <summary>Resolves a host name to its addresses at connect time; <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>
    /// when <see langword="null"/>. Replace it to use another resolver (or, in tests, to simulate one).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>>? Resolver { get; init; }

    /// <summary>
    /// What the policy says about an endpoint before any connection: a host that is an IP literal of a refused kind,
    /// or <c>localhost</c> (and names under <c>.localhost</c>, which resolve to loopback by definition). Names that
    /// need resolving are checked at connect time. <see langword="null"/> when nothing is wrong.
    /// </summary>
    public string? FindProblem(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!RequirePublicAddresses || !endpoint.IsAbsoluteUri)
        {
            return null;
        }

        string host = NormalizeHost(endpoint.IdnHost);
        if (_allowedHosts.Contains(host))
        {
            return null;
        }

        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            NetworkAddressKind kind = NetworkAddressClassifier.Classify(literal);
            return kind == NetworkAddressKind.Public
                ? null
                : $"the endpoint's host is {NetworkAddressClassifier.Describe(kind)}; the network policy allows public addresses only";
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return $"the endpoint's host is {NetworkAddressClassifier.Describe(NetworkAddressKind.Loopback)}; the network policy allows public addresses only";
        }

        return null;
    }

    /// <summary>Throws when <see cref="FindProblem(Uri)"/> finds a problem with the destination's endpoint.</summary>
    /// <exception cref="OtlpConfigurationException">The endpoint is refused; the message says why.</exception>
    public void Validate(OtlpDestination destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (FindProblem(destination.Endpoint) is { } problem)
        {
            throw new OtlpConfigurationException($"Destination '{destination.Name}' is refused: {problem}.");
        }
    }

    /// <summary>
    /// A handler for exporters: never follows redirects (a redirect could carry the credentials to another host),
    /// does not decompress, renews pooled connections every 2 minutes (so DNS changes are seen) and, when the policy
    /// restricts, connects only to allowed addresses. It connects directly, without a proxy: behind a proxy the
    /// policy would see the proxy's address, not the destination's (enforce it at the proxy instead).
    /// </summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),

            // An answer left unread (over the 4 MiB limit, or ended by a timeout) closes its connection at once instead
            // of being drained for up to 2 s: an exporter on a thread of its own ends a stalled synchronous read by
            // disposing the response, which would otherwise wait out that drain (and read beside the drain).
            ResponseDrainTimeout = TimeSpan.Zero,
        };
        if (RequirePublicAddresses)
        {
            handler.UseProxy = false;
            handler.ConnectCallback = ConnectAsync;
        }

        return handler;
    }

    /// <summary>One client over <see cref="CreateHandler"/> per policy, shared by the exporters that use it.</summary>
    internal HttpMessageInvoker SharedClient => _sharedClient.Value;

    /// <summary>Resolves the host, keeps the allowed addresses and connects to one of them: the address that was
    /// checked is the address connected to.</summary>
    internal async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        string host = NormalizeHost(context.DnsEndPoint.Host);
        IPAddress[] addresses = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        if (!_allowedHosts.Contains(host))
        {
            addresses = Allowed(addresses, out NetworkAddressKind refused);
            if (addresses.Length == 0)
            {
                throw new DestinationRefusedException(refused, $"the network policy refuses {host}: it resolves to {NetworkAddressClassifier.Describe(refused)}, and only public addresses are allowed");
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return [literal];
        }

        IPAddress[] addresses = Resolver is { } resolve
            ? await resolve(host, cancellationToken).ConfigureAwait(false)
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }

    private static IPAddress[] Allowed(IPAddress[] addresses, out NetworkAddressKind firstRefused)
    {
        firstRefused = NetworkAddressKind.Public;
        var allowed = new List<IPAddress>(addresses.Length);
        foreach (IPAddress address in addresses)
        {
            NetworkAddressKind kind = NetworkAddressClassifier.Classify(address);
            if (kind == NetworkAddressKind.Public)
            {
                allowed.Add(address);
            }
            else if (firstRefused == NetworkAddressKind.Public)
            {
                firstRefused = kind;
            }
        }

        return [.. allowed];
    }

    /// <summary>A host as compared: without the brackets of an IPv6 literal and without a trailing dot.</summary>
    private static string NormalizeHost(string host)
    {
        if (host.Length > 1 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        return host.Length > 1 && host[^1] == '.' ? host[..^1] : host;
    }
}

/// <summary>
/// A connection refused by a <see cref="DestinationNetworkPolicy"/>. The HTTP stack wraps it in an
/// <see cref="HttpRequestException"/>; exporters report it as <see cref="ExportOutcome.Refused"/>. The message names
/// the kind of address, never the address.
/// </summary>
public sealed class DestinationRefusedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DestinationRefusedException(NetworkAddressKind kind, string message) : base(message) => Kind = kind;

    /// <summary>The kind of address that was refused.</summary>
    public NetworkAddressKind Kind { get; }
}

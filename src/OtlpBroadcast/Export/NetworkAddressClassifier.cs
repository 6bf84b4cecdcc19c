using System.Net;
using System.Net.Sockets;

namespace OtlpBroadcast.Export;

/// <summary>What kind of network an IP address belongs to, as far as reaching it from a server matters.</summary>
public enum NetworkAddressKind
{
    /// <summary>A globally routable unicast address.</summary>
    Public,

    /// <summary><c>0.0.0.0/8</c> ("this network") or <c>::</c>; connecting to it reaches the local host.</summary>
    Unspecified,

    /// <summary><c>127.0.0.0/8</c> or <c>::1</c>.</summary>
    Loopback,

    /// <summary>RFC 1918 (<c>10/8</c>, <c>172.16/12</c>, <c>192.168/16</c>), IPv6 unique local (<c>fc00::/7</c>),
    /// deprecated site-local (<c>fec0::/10</c>) and local-use NAT64 (<c>64:ff9b:1::/48</c>).</summary>
    Private,

    /// <summary><c>169.254.0.0/16</c> or <c>fe80::/10</c>.</summary>
    LinkLocal,

    /// <summary>Carrier-grade NAT, RFC 6598 (<c>100.64.0.0/10</c>).</summary>
    SharedAddressSpace,

    /// <summary><c>224.0.0.0/4</c> or <c>ff00::/8</c>.</summary>
    Multicast,

    /// <summary>Documentation, benchmarking, protocol assignments, <c>240.0.0.0/4</c> (broadcast included), and every
    /// IPv6 address outside <c>2000::/3</c> that no other kind covers.</summary>
    Reserved,

    /// <summary>A cloud provider's instance metadata or platform service (<c>169.254.169.254</c>,
    /// <c>fd00:ec2::254</c>, <c>100.100.100.200</c>, …): the classic target of server-side request forgery.</summary>
    CloudMetadata,
}

/// <summary>
/// Sorts IP addresses into <see cref="NetworkAddressKind"/>s. IPv4 addresses embedded in IPv6 (IPv4-mapped
/// <c>::ffff:a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c>) are classified by the IPv4 address they
/// carry, so no IPv6 spelling of a private IPv4 address passes as public.
/// </summary>
public static class NetworkAddressClassifier
{
    /// <summary>Instance metadata and platform endpoints of cloud providers (checked before the ranges they sit in).</summary>
    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, Azure, GCP, OpenStack, DigitalOcean, Oracle (legacy), …
        IPAddress.Parse("169.254.170.2"),   // AWS ECS task metadata and credentials
        IPAddress.Parse("169.254.170.23"),  // AWS EKS Pod Identity agent
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("192.0.0.192"),     // Oracle Cloud
        IPAddress.Parse("168.63.129.16"),   // Azure WireServer (a public address that serves the host's platform)
        IPAddress.Parse("fd00:ec2::254"),   // AWS IMDS over IPv6
        IPAddress.Parse("fd00:ec2::23"),    // AWS EKS Pod Identity agent over IPv6
    ];

    private static readonly (IPNetwork Network, NetworkAddressKind Kind)[] IPv4Ranges =
    [
        (IPNetwork.Parse("0.0.0.0/8"), NetworkAddressKind.Unspecified),
        (IPNetwork.Parse("10.0.0.0/8"), NetworkAddressKind.Private),
        (IPNetwork.Parse("100.64.0.0/10"), NetworkAddressKind.SharedAddressSpace),
        (IPNetwork.Parse("127.0.0.0/8"), NetworkAddressKind.Loopback),
        (IPNetwork.Parse("169.254.0.0/16"), NetworkAddressKind.LinkLocal),
        (IPNetwork.Parse("172.16.0.0/12"), NetworkAddressKind.Private),
        (IPNetwork.Parse("192.0.0.0/24"), NetworkAddressKind.Reserved),    // IETF protocol assignments
        (IPNetwork.Parse("192.0.2.0/24"), NetworkAddressKind.Reserved),    // TEST-NET-1
        (IPNetwork.Parse("192.88.99.0/24"), NetworkAddressKind.Reserved),  // 6to4 relay anycast (deprecated)
        (IPNetwork.Parse("192.168.0.0/16"), NetworkAddressKind.Private),
        (IPNetwork.Parse("198.18.0.0/15"), NetworkAddressKind.Reserved),   // benchmarking
        (IPNetwork.Parse("198.51.100.0/24"), NetworkAddressKind.Reserved), // TEST-NET-2
        (IPNetwork.Parse("203.0.113.0/24"), NetworkAddressKind.Reserved),  // TEST-NET-3
        (IPNetwork.Parse("224.0.0.0/4"), NetworkAddressKind.Multicast),
        (IPNetwork.Parse("240.0.0.0/4"), NetworkAddressKind.Reserved),     // future use, and 255.255.255.255
    ];

    private static readonly (IPNetwork Network, NetworkAddressKind Kind)[] IPv6Ranges =
    [
        (IPNetwork.Parse("64:ff9b:1::/48"), NetworkAddressKind.Private),   // local-use NAT64
        (IPNetwork.Parse("100::/64"), NetworkAddressKind.Reserved),        // discard-only
        (IPNetwork.Parse("2001:db8::/32"), NetworkAddressKind.Reserved),   // documentation
        (IPNetwork.Parse("fc00::/7"), NetworkAddressKind.Private),         // unique local
        (IPNetwork.Parse("fe80::/10"), NetworkAddressKind.LinkLocal),
        (IPNetwork.Parse("fec0::/10"), NetworkAddressKind.Private),        // site-local (deprecated)
        (IPNetwork.Parse("ff00::/8"), NetworkAddressKind.Multicast),
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork IPv4Compatible = IPNetwork.Parse("::/96");
    private static readonly IPNetwork IPv4Translated = IPNetwork.Parse("::ffff:0:0:0/96");

    /// <summary>The kind of <paramref name="address"/>.</summary>
    public static NetworkAddressKind Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                return ClassifyIPv4(address.MapToIPv4());
            }

            // The scope (zone) of a link-local address does not change its kind.
            if (address.ScopeId != 0)
            {
                address = new IPAddress(address.GetAddressBytes());
            }

            return ClassifyIPv6(address);
        }

        return address.AddressFamily == AddressFamily.InterNetwork ? ClassifyIPv4(address) : NetworkAddressKind.Reserved;
    }

    /// <summary>A short description of the kind for messages, e.g. <c>a private address (RFC 1918 or IPv6 unique
    /// local)</c>.</summary>
    public static string Describe(NetworkAddressKind kind) => kind switch
    {
        NetworkAddressKind.Public => "a public address",
        NetworkAddressKind.Unspecified => "the unspecified address (0.0.0.0 or ::), which reaches the local host",
        NetworkAddressKind.Loopback => "a loopback address (this machine)",
        NetworkAddressKind.Private => "a private address (RFC 1918 or IPv6 unique local)",
        NetworkAddressKind.LinkLocal => "a link-local address (169.254.0.0/16 or fe80::/10)",
        NetworkAddressKind.SharedAddressSpace => "a carrier-grade NAT address (100.64.0.0/10)",
        NetworkAddressKind.Multicast => "a multicast address",
        NetworkAddressKind.CloudMetadata => "a cloud metadata service address",
        _ => "a reserved address (documentation, benchmarking or not routable)",
    };

    private static NetworkAddressKind ClassifyIPv4(IPAddress address)
    {
        if (IsMetadata(address))
        {
            return NetworkAddressKind.CloudMetadata;
        }

        foreach ((IPNetwork network, NetworkAddressKind kind) in IPv4Ranges)
        {
            if (network.Contains(address))
            {
                return kind;
            }
        }

        return NetworkAddressKind.Public;
    }

    private static NetworkAddressKind ClassifyIPv6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Any))
        {
            return NetworkAddressKind.Unspecified;
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return NetworkAddressKind.Loopback;
        }

        if (IsMetadata(address))
        {
            return NetworkAddressKind.CloudMetadata;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address) || IPv4Translated.Contains(address))
        {
            return ClassifyIPv4(new IPAddress(bytes[12..]));
        }

        if (SixToFour.Contains(address))
        {
            return ClassifyIPv4(new IPAddress(bytes[2..6]));
        }

        if (IPv4Compatible.Contains(address))
        {
            // ::a.b.c.d, deprecated since 2006: nothing legitimate uses it.
            return NetworkAddressKind.Reserved;
        }

        foreach ((IPNetwork network, NetworkAddressKind kind) in IPv6Ranges)
        {
            if (network.Contains(address))
            {
                return kind;
            }
        }

        return GlobalUnicast.Contains(address) ? NetworkAddressKind.Public : NetworkAddressKind.Reserved;
    }

    private static bool IsMetadata(IPAddress address)
    {
        foreach (IPAddress metadata in MetadataAddresses)
        {
            if (metadata.Equals(address))
            {
                return true;
            }
        }

        return false;
    }
}

namespace PeerMesh.TestSupport.Netns;

/// <summary>How each host's eth0 is addressed when a <see cref="NetnsTestBed"/> is made.</summary>
public sealed record NetnsTestBedOptions
{
    /// <summary>198.18.0.N/24 on eth0 and a route for 224.0.0.0/4 (on by default).</summary>
    public bool Ipv4 { get; init; } = true;

    /// <summary>
    /// eth0 gets the fixed link-local address fe80::N/64 (no DAD, so it is usable at once; known in advance) instead
    /// of the one the kernel would generate, and a route for ff02::/16. Off: the kernel's own link-local appears.
    /// </summary>
    public bool FixedIpv6LinkLocal { get; init; }

    /// <summary>
    /// The links (bridges) and who is on each: every entry lists 1-based host numbers. Null: one link of all hosts.
    /// Link K is 198.18.K.0/24; host N on it has 198.18.K.N. A host's links become eth0, eth1, ... in this order; its
    /// first is <see cref="NetnsHost.Address"/>, <see cref="NetnsHost.SwitchPort"/> and the 224.0.0.0/4 route. Hosts
    /// on no common link cannot reach each other (the hosts do not forward). IPv4 only.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>>? Links { get; init; }

    /// <summary>A line of <paramref name="hostCount"/> hosts: h1-h2 on link 0, h2-h3 on link 1, and so on.</summary>
    public static NetnsTestBedOptions Line(int hostCount) =>
        new() { Links = [.. Enumerable.Range(1, hostCount - 1).Select(i => (IReadOnlyList<int>)[i, i + 1])] };
}

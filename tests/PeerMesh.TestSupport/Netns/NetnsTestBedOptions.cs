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
}

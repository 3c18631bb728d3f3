using System.Net;

namespace PeerMesh.Mesh.Options;

/// <summary>
/// Every knob of the gossip mesh. Defaults are the LAN values of docs/ARCHITECTURE.md (hashicorp/memberlist's
/// DefaultLANConfig); the formulas that scale with the member count N are written next to them.
/// Call <see cref="Validate"/> at start.
/// </summary>
internal sealed class MeshOptions
{
    public const int DefaultGossipPort = 9419;

    /// <summary>Mesh name; only nodes with the same id (compared by hash in every datagram) talk. Default "peermesh".</summary>
    public string MeshId { get; set; } = "peermesh";

    /// <summary>UDP port for gossip. Default 9419; 0 = any free port (the bound one is advertised).</summary>
    public int GossipPort { get; set; } = DefaultGossipPort;

    /// <summary>Address the gossip socket binds to. Default IPv6Any (dual stack).</summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.IPv6Any;

    /// <summary>Address advertised to peers; null = the bound address (unspecified = peers use the packet's source).</summary>
    public IPAddress? AdvertiseAddress { get; set; }

    /// <summary>Probe one member every interval. Default 1 s.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Wait this long for a direct ack before asking others. Default 500 ms (must be &lt; ProbeInterval).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>k: members asked to probe indirectly. Default 3.</summary>
    public int IndirectChecks { get; set; } = 3;

    /// <summary>Send queued updates to <see cref="GossipFanout"/> random members every interval. Default 200 ms.</summary>
    public TimeSpan GossipInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Members gossiped to per gossip interval. Default 3.</summary>
    public int GossipFanout { get; set; } = 3;

    /// <summary>Dead members still receive gossip for this long (heals partitions faster). Default 30 s.</summary>
    public TimeSpan GossipToTheDeadTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Full state exchange with one random member. Default 30 s, scaled for N &gt; 32:
    /// interval * (ceil(log2(N) - log2(32)) + 1).
    /// </summary>
    public TimeSpan PushPullInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>lambda: each update is retransmitted RetransmitMult * ceil(log10(N + 1)) times. Default 4.</summary>
    public int RetransmitMult { get; set; } = 4;

    /// <summary>
    /// Suspicion timeout minimum = SuspicionMult * max(1, log10(N)) * ProbeInterval (4 s up to N = 10,
    /// i.e. max(4, 4 * log10 N) s); default 4.
    /// </summary>
    public int SuspicionMult { get; set; } = 4;

    /// <summary>
    /// Suspicion timeout maximum = SuspicionMaxTimeoutMult * minimum; it starts at the maximum and shrinks
    /// towards the minimum with each independent confirmation (Lifeguard):
    /// timeout(c) = max(min, max - (max - min) * log(c + 1) / log(k + 1)), k = SuspicionMult - 2. Default 6.
    /// </summary>
    public int SuspicionMaxTimeoutMult { get; set; } = 6;

    /// <summary>Dead and left members stay in the table this long. Default 24 h.</summary>
    public TimeSpan DeadMemberRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Largest datagram sent or accepted (bytes); bigger state is split. Default 1400.</summary>
    public int MaxDatagramBytes { get; set; } = 1400;

    /// <summary>Members kept at most (HOSTILE 17); updates about more are dropped. Default 4096.</summary>
    public int MaxMembers { get; set; } = 4096;

    /// <summary>
    /// Repositories a node serves, and keeps per member, at most (HOSTILE 17). Default 256 (one node per person, serving
    /// all of their repositories). At most 1024: a member's whole set (about 5 statements per datagram) then comes in at
    /// most ~210 datagrams, well inside one burst of <see cref="MaxDatagramsPerSourcePerSecond"/>, and a full table
    /// (<see cref="MaxMembers"/> members at the cap) stays bounded.
    /// </summary>
    public int MaxReposPerMember { get; set; } = 256;

    /// <summary>Upper bound of <see cref="MaxReposPerMember"/>.</summary>
    public const int MaxReposPerMemberLimit = 1024;

    /// <summary>
    /// Mesh key secrets (from key files); empty = open mesh. The first one seals what we send; all of them are
    /// tried on receipt, so a key can be rotated by configuring old and new for a while.
    /// </summary>
    public IReadOnlyList<byte[]> MeshKeys { get; set; } = [];

    /// <summary>A sealed datagram whose timestamp is further than this from our clock is stale (replay bound). Default 60 s.</summary>
    public TimeSpan ReplayTolerance { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Datagrams accepted per second from one source (HOSTILE 11), with a burst of as many; more are dropped
    /// before decoding. 0 = unlimited. Default 1000 (a peer normally sends a few per second; a push-pull of a
    /// full table comes in bursts of parts).
    /// </summary>
    public int MaxDatagramsPerSourcePerSecond { get; set; } = 1000;

    /// <summary>
    /// Incarnations are Unix seconds at a node's start plus one per refutation or announcement change (HOSTILE 46).
    /// One above (receiver's clock in seconds + IncarnationTolerance) is implausible: dropped, never applied.
    /// It must cover MaxIncarnationLead plus the clock skew between nodes; default 24 h = 1 h of lead + 23 h of skew
    /// (a machine keeping its clock in local time is off by up to 14 h). A sealed mesh already needs clocks within
    /// ReplayTolerance.
    /// </summary>
    public TimeSpan IncarnationTolerance { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A node refutes up to (its clock in seconds + MaxIncarnationLead) at once; beyond that a refutation waits for its
    /// clock (at most one per second), so a member forcing refutations cannot push it past what peers accept.
    /// Default 1 h (3600 refutations ahead of the clock). Must be below IncarnationTolerance.
    /// </summary>
    public TimeSpan MaxIncarnationLead { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Require and verify Ed25519 signatures on alive announcements and on suspect/dead claims. Default true.</summary>
    public bool RequireSignatures { get; set; } = true;

    /// <summary>Seed of the node's random choices (probe order, gossip targets); null = random. Tests fix it.</summary>
    public int? RandomSeed { get; set; }

    /// <summary>LAN defaults (docs/ARCHITECTURE.md, "Timers and formulas").</summary>
    public static MeshOptions Lan() => new();

    /// <summary>
    /// Fast preset for tests and the in-memory benchmark: 10x faster timings, same ratios
    /// (probe 100 ms / 50 ms, gossip 20 ms, push-pull 3 s, suspicion min 400 ms for N &lt;= 10).
    /// </summary>
    public static MeshOptions FastTest() => new()
    {
        GossipPort = 0,
        ListenAddress = IPAddress.Loopback,
        ProbeInterval = TimeSpan.FromMilliseconds(100),
        ProbeTimeout = TimeSpan.FromMilliseconds(50),
        GossipInterval = TimeSpan.FromMilliseconds(20),
        GossipToTheDeadTime = TimeSpan.FromSeconds(3),
        PushPullInterval = TimeSpan.FromSeconds(3),
        DeadMemberRetention = TimeSpan.FromMinutes(10),
    };

    /// <summary>Throws <see cref="ArgumentException"/> with a message naming the bad option.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(MeshId) && MeshId.Length <= 128, "MeshId must be 1..128 characters");
        Require(GossipPort is >= 0 and <= 65535, "GossipPort must be 0..65535");
        Require(ListenAddress is not null, "ListenAddress is required");
        Require(ProbeInterval > TimeSpan.Zero, "ProbeInterval must be positive");
        Require(ProbeTimeout > TimeSpan.Zero && ProbeTimeout < ProbeInterval, "ProbeTimeout must be positive and below ProbeInterval");
        Require(IndirectChecks >= 0, "IndirectChecks must be >= 0");
        Require(GossipInterval > TimeSpan.Zero, "GossipInterval must be positive");
        Require(GossipFanout >= 1, "GossipFanout must be >= 1");
        Require(GossipToTheDeadTime >= TimeSpan.Zero, "GossipToTheDeadTime must be >= 0");
        Require(PushPullInterval > TimeSpan.Zero, "PushPullInterval must be positive");
        Require(RetransmitMult >= 1, "RetransmitMult must be >= 1");
        Require(SuspicionMult >= 1, "SuspicionMult must be >= 1");
        Require(SuspicionMaxTimeoutMult >= 1, "SuspicionMaxTimeoutMult must be >= 1");
        Require(DeadMemberRetention >= TimeSpan.Zero, "DeadMemberRetention must be >= 0");
        Require(MaxDatagramBytes is >= 512 and <= 65000, "MaxDatagramBytes must be 512..65000");
        Require(MaxMembers >= 1, "MaxMembers must be >= 1");
        Require(MaxReposPerMember is >= 0 and <= MaxReposPerMemberLimit, "MaxReposPerMember must be 0..1024");
        Require(MaxDatagramsPerSourcePerSecond >= 0, "MaxDatagramsPerSourcePerSecond must be >= 0");
        Require(ReplayTolerance > TimeSpan.Zero, "ReplayTolerance must be positive");
        Require(MaxIncarnationLead >= TimeSpan.FromSeconds(1), "MaxIncarnationLead must be at least 1 s");
        Require(IncarnationTolerance > MaxIncarnationLead, "IncarnationTolerance must be above MaxIncarnationLead");
        foreach (var key in MeshKeys)
        {
            Require(key is { Length: >= 16 }, "a mesh key must be at least 16 bytes");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException("invalid mesh options: " + message);
        }
    }
}

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// mDNS/DNS-SD settings. Defaults follow RFC 6762/6763 (see docs/ARCHITECTURE.md); tests use fast
/// values with a FakeTimeProvider.
/// </summary>
internal sealed class MdnsOptions
{
    /// <summary>Off with <c>--no-mdns</c> or <c>git config peermesh.mdns false</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>UDP port; 5353 everywhere but in tests that cannot share it.</summary>
    public int Port { get; set; } = 5353;

    /// <summary>TTL of every record we own: 120 s, as RFC 6762 10 recommends for host-related records.</summary>
    public TimeSpan RecordTtl { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>RFC 6762 8.1: up to 250 ms random delay before the first probe.</summary>
    public TimeSpan ProbeInitialDelayMax { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>RFC 6762 8.1: probes 250 ms apart.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>RFC 6762 8.1: three probes.</summary>
    public int ProbeCount { get; set; } = 3;

    /// <summary>RFC 6762 8.3: at least two announcements, one second apart.</summary>
    public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int AnnounceCount { get; set; } = 2;

    /// <summary>
    /// RFC 6762 5.2: the browser's first query goes out at start (with the QU bit, 5.4; see MdnsBrowser.StartSeries),
    /// the second one second after it, then doubling ...
    /// </summary>
    public TimeSpan QueryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>... up to a cap of 60 minutes.</summary>
    public TimeSpan QueryIntervalMax { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>RFC 6762 6: a response with shared records waits 20-120 ms so answers from several responders aggregate.</summary>
    public TimeSpan SharedResponseDelayMin { get; set; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan SharedResponseDelayMax { get; set; } = TimeSpan.FromMilliseconds(120);

    /// <summary>RFC 6762 6: a record is multicast on an interface at most once per second (250 ms when defending a probe).</summary>
    public TimeSpan MulticastRateLimit { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the interface list is re-read to follow interfaces that come and go.</summary>
    public TimeSpan InterfacePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause before a faulted receive socket is opened again.</summary>
    public TimeSpan ReceiveRestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Packets we send are split to stay under this (Ethernet MTU minus IP/UDP headers, with margin).</summary>
    public int MaxPacketBytes { get; set; } = 1400;

    /// <summary>Bound on the browser's cache; records beyond it are dropped (HOSTILE-INPUTS 17).</summary>
    public int MaxCacheEntries { get; set; } = 1024;

    /// <summary>
    /// Packets per second accepted from one source address before the rest are dropped unparsed
    /// (0 = no limit). A busy Bonjour host sends a few per second; a flood is thousands.
    /// </summary>
    public int MaxPacketsPerSourcePerSecond { get; set; } = 200;

    /// <summary>Also use loopback interfaces (off by default, as avahi does).</summary>
    public bool IncludeLoopback { get; set; }

    /// <summary>Throws when a value cannot work.</summary>
    public void Validate()
    {
        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, "must be positive");
            }
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "must be 1-65535");
        }

        if (RecordTtl < TimeSpan.FromSeconds(1) || RecordTtl.TotalSeconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(RecordTtl), RecordTtl, "must be at least 1 s");
        }

        Positive(ProbeInterval, nameof(ProbeInterval));
        Positive(AnnounceInterval, nameof(AnnounceInterval));
        Positive(QueryInterval, nameof(QueryInterval));
        Positive(MulticastRateLimit, nameof(MulticastRateLimit));
        Positive(InterfacePollInterval, nameof(InterfacePollInterval));
        Positive(ReceiveRestartDelay, nameof(ReceiveRestartDelay));
        if (QueryIntervalMax < QueryInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(QueryIntervalMax), QueryIntervalMax, "must be at least QueryInterval");
        }

        if (ProbeInitialDelayMax < TimeSpan.Zero || SharedResponseDelayMin < TimeSpan.Zero || SharedResponseDelayMax < SharedResponseDelayMin)
        {
            throw new ArgumentOutOfRangeException(nameof(SharedResponseDelayMax), "delays must be non-negative and max >= min");
        }

        if (ProbeCount < 1 || AnnounceCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ProbeCount), "probe and announce counts must be at least 1");
        }

        if (MaxPacketBytes is < 512 or > 9000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPacketBytes), MaxPacketBytes, "must be 512-9000");
        }

        if (MaxCacheEntries < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCacheEntries), MaxCacheEntries, "must be at least 16");
        }
    }
}

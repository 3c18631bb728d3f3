using System.Net;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// One node of the gossip mesh: SWIM probing with indirect checks, Lifeguard suspicion, piggybacked
/// dissemination, periodic push-pull, graceful leave (model: hashicorp/memberlist).
/// All protocol state is guarded by one lock and driven by <see cref="TimeProvider"/> timers and the
/// transport's receive callback, so on the in-memory network with a fake clock it runs synchronously.
/// The node owns the transport (stops and disposes it).
/// </summary>
internal sealed partial class MeshNode : IMembershipView, IJoinCandidateSink, ILocalRepoPublisher, IAsyncDisposable
{
    private const int MaxCandidates = 1024;

    private readonly Lock _lock = new();
    private readonly MeshOptions _options;
    private readonly NodeIdentity _identity;
    private readonly ITransport _transport;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _clockOrigin;
    private readonly long _startTimestamp;
    private readonly ILogger<MeshNode> _logger;
    private readonly MeshKeyRing? _keys;
    private readonly MeshCodec _codec;
    private readonly SourceRateLimiter _rateLimiter;
    private readonly MembershipTable _table = new();
    private readonly BroadcastQueue _broadcasts = new();
    private readonly Random _random;
    private readonly Dictionary<string, Suspicion> _suspicions = new(StringComparer.Ordinal);
    private readonly Dictionary<long, IndirectProbe> _indirect = [];
    private readonly Dictionary<IPEndPoint, DiscoverySource> _candidates = [];
    private readonly Dictionary<string, DiscoverySource> _candidateIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _answeredExchanges = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exchangedWith = new(StringComparer.Ordinal);
    private readonly HashSet<(IPAddress Source, string Reason)> _warnedSources = [];
    private readonly List<string> _ids = [];
    private readonly List<string> _probeOrder = [];
    private int _probeIndex;
    private PendingProbe? _pendingProbe;
    private string? _priorityProbe;
    private bool _lastProbeWasPriority;
    private int _catchUpExchanges;
    private DateTimeOffset _lastConflictRefute = DateTimeOffset.MinValue;
    private long _seq;
    private long _incarnation;
    private long? _pendingRefutation;
    private bool _heardStaleClaimAboutUs;
    private int _gitPort;
    private MemberUpdate _selfAlive = new();
    private DateTimeOffset _nextReap;
    private ITimer? _probeTimer;
    private ITimer? _probeTimeoutTimer;
    private ITimer? _gossipTimer;
    private bool _gossipIdle; // the gossip timer is stopped: nothing was queued at its last tick
    private ITimer? _pushPullTimer;
    private bool _started;
    private bool _leaving;
    private bool _stopped;

    public MeshNode(MeshOptions options, NodeIdentity identity, string name, ITransport transport, TimeProvider time, ILogger<MeshNode> logger)
    {
        options.Validate();
        if (!WireValidation.IsDisplayName(name))
        {
            throw new ArgumentException($"node name must be at most {WireValidation.MaxNameLength} characters without control characters", nameof(name));
        }

        _options = options;
        _identity = identity;
        Name = name;
        _transport = transport;
        _time = time;
        _clockOrigin = time.GetUtcNow();
        _startTimestamp = time.GetTimestamp();
        _logger = logger;
        _random = options.RandomSeed is int seed ? new Random(seed) : new Random();
        _seq = _random.NextInt64(1, long.MaxValue / 2);
        _keys = options.MeshKeys.Count > 0 ? new MeshKeyRing(options.MeshKeys, options.MeshId) : null;
        _codec = new MeshCodec(options.MeshId, identity.Id, _keys, options.ReplayTolerance, time, options.MaxDatagramBytes);
        _rateLimiter = new SourceRateLimiter(options.MaxDatagramsPerSourcePerSecond, time);
        _proofBudget = new SourceRateLimiter(MaxProofsPerSecond, time);
        _broadcasts.Enqueued = WakeGossip;

        // Seconds since the epoch: a restarted node starts above its previous life (usually), so the change is taken at once.
        _incarnation = time.GetUtcNow().ToUnixTimeSeconds();
        RebuildSelfAlive();
    }

    public string LocalId => _identity.Id;

    public string Name { get; }

    /// <summary>The gossip address and port this node is bound to.</summary>
    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>True when a mesh key seals every datagram; false = open mesh.</summary>
    public bool IsEncrypted => _keys is not null;

    public MeshStatistics Statistics { get; } = new();

    public long Incarnation
    {
        get
        {
            lock (_lock)
            {
                return _incarnation;
            }
        }
    }

    public MembershipSnapshot Current => _table.Current;

    internal MembershipTable Table => _table;

    public ValueTask<MembershipSnapshot> WaitForChangeAsync(long afterVersion, CancellationToken cancellationToken) =>
        _table.WaitForChangeAsync(afterVersion, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_started)
            {
                throw new InvalidOperationException("the mesh node was already started");
            }

            _started = true;
            _nextReap = MonotonicNow + ReapEvery;
            _transport.Start(OnDatagram);
            var stagger = TimeSpan.FromTicks((long)(_random.NextDouble() * _options.ProbeInterval.Ticks));
            _probeTimer = _time.CreateTimer(_ => Guarded(OnProbeTick), null, stagger, _options.ProbeInterval);
            _probeTimeoutTimer = _time.CreateTimer(_ => Guarded(OnProbeTimeout), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _gossipTimer = _time.CreateTimer(_ => Guarded(OnGossipTick), null, _options.GossipInterval, _options.GossipInterval);
            _pushPullTimer = _time.CreateTimer(_ => Guarded(OnPushPullTick), null, NextPushPullDelay(), Timeout.InfiniteTimeSpan);
            foreach (var (endPoint, _) in _candidates)
            {
                SendPushPull(endPoint, ++_seq, isReply: false);
            }

            LogStarted(_identity.Id, _transport.LocalEndPoint, IsEncrypted);
        }

        return Task.CompletedTask;
    }

    /// <summary>Leaves gracefully: the leave is sent directly to every live member and gossiped, then the node goes quiet.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            if (_started)
            {
                _leaving = true;
                _incarnation = IncarnationMath.Next(_incarnation);
                var leave = new MemberUpdate { Kind = UpdateKind.Left, NodeId = _identity.Id, Incarnation = _incarnation };
                SignUpdate(leave);
                foreach (var entry in _table.Entries)
                {
                    if (entry.Member.IsLive)
                    {
                        SendMessage(entry.Member.GossipEndPoint, new GossipMessage { Updates = [leave] }, piggyback: false);
                    }
                }
            }

            _stopped = true;
            _probeTimer?.Dispose();
            _probeTimeoutTimer?.Dispose();
            _gossipTimer?.Dispose();
            _pushPullTimer?.Dispose();
            foreach (var suspicion in _suspicions.Values)
            {
                suspicion.Timer?.Dispose();
            }

            _suspicions.Clear();
        }

        await _transport.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        await _transport.DisposeAsync();
        _keys?.Dispose();
    }

    /// <summary>Port of the local git daemon, advertised in alive messages (0 = serves nothing).</summary>
    public void SetLocalGitPort(int port)
    {
        if (port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), "git port must be 0..65535");
        }

        lock (_lock)
        {
            if (_gitPort == port)
            {
                return;
            }

            _gitPort = port;
            AnnounceSelf();
        }
    }

    public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null)
    {
        ArgumentNullException.ThrowIfNull(gossipEndPoint);
        if (gossipEndPoint.Port is <= 0 or > 65535 || WireValidation.IsUnspecified(gossipEndPoint.Address) || WireValidation.IsUnusable(gossipEndPoint.Address))
        {
            return;
        }

        lock (_lock)
        {
            if (_stopped || gossipEndPoint.Equals(_transport.LocalEndPoint) || nodeId == _identity.Id)
            {
                return;
            }

            if (_candidates.Count < MaxCandidates || _candidates.ContainsKey(gossipEndPoint))
            {
                _candidates[gossipEndPoint] = _candidates.GetValueOrDefault(gossipEndPoint) | source;
            }

            if (nodeId is not null && WireValidation.IsNodeId(nodeId) && (_candidateIds.Count < MaxCandidates || _candidateIds.ContainsKey(nodeId)))
            {
                _candidateIds[nodeId] = _candidateIds.GetValueOrDefault(nodeId) | source;
            }

            foreach (var entry in _table.Entries)
            {
                if (entry.Member.IsLive && (entry.Member.GossipEndPoint.Equals(gossipEndPoint) || entry.Id == nodeId))
                {
                    AddFoundBy(entry, source);

                    // Known only through another member so far (a starting node hears several mDNS answers, and the first
                    // exchange already names the others): one exchange of our own, so it hears of us now, not after
                    // gossip's rounds (issue 15).
                    if (_started && !_exchangedWith.Contains(entry.Id))
                    {
                        SendPushPull(entry.Member.GossipEndPoint, ++_seq, isReply: false);
                    }

                    return;
                }
            }

            if (_started)
            {
                SendPushPull(gossipEndPoint, ++_seq, isReply: false);
            }
        }
    }

    private static TimeSpan ReapEvery => TimeSpan.FromSeconds(10);

    private static TimeSpan ConflictRefuteInterval => TimeSpan.FromMinutes(1);

    /// <summary>
    /// The clock of every protocol deadline (reaping, suspicion, indirect probes, challenges): the monotonic
    /// timestamp, so a wall-clock jump neither freezes nor fires them (HOSTILE 8). Wall time is only shown.
    /// </summary>
    private DateTimeOffset MonotonicNow => _clockOrigin + _time.GetElapsedTime(_startTimestamp);

    /// <summary>
    /// The clock of incarnation bounds is the monotonic one too (wall time at start + elapsed): a wall-clock step after
    /// the start moves neither what we believe nor what we refute to (HOSTILE 8, 46).
    /// </summary>
    private bool IsPlausibleIncarnation(long incarnation) => IncarnationMath.IsPlausible(incarnation, MonotonicNow, _options.IncarnationTolerance);

    /// <summary>The highest incarnation we refute to now: our clock + MaxIncarnationLead.</summary>
    private long OwnIncarnationCap => IncarnationMath.Bound(MonotonicNow, _options.MaxIncarnationLead);

    private IPEndPoint AdvertisedEndPoint => new(_options.AdvertiseAddress ?? _transport.LocalEndPoint.Address, _transport.LocalEndPoint.Port);

    /// <summary>A timer callback must never throw (it would end the process): log and carry on.</summary>
    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            LogTimerFailed(ex);
        }
    }

    private void AnnounceSelf()
    {
        if (_started && !_stopped)
        {
            _incarnation = IncarnationMath.Next(_incarnation);
        }

        RebuildSelfAlive();
        _broadcasts.Enqueue(_selfAlive);
    }

    private void RebuildSelfAlive()
    {
        var advertised = AdvertisedEndPoint;
        var alive = new MemberUpdate
        {
            Kind = UpdateKind.Alive,
            NodeId = _identity.Id,
            Incarnation = _incarnation,
            Name = Name,
            Address = advertised.Address.GetAddressBytes(),
            Port = advertised.Port,
            GitPort = _gitPort,
            RepoSetVersion = _repoSetVersion,
            RepoCount = _localRepos.Count,
            RepoSetDigest = _localRepos.Count > 0 ? _repoSetDigest : null,
        };
        SignUpdate(alive);
        _selfAlive = alive;
    }

    private sealed record PendingProbe(string TargetId, long Seq, IPEndPoint EndPoint)
    {
        public bool Acked { get; set; }
    }

    private sealed record IndirectProbe(IPEndPoint Requester, long RequesterSeq, DateTimeOffset Expires);
}

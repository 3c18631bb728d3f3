using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Mesh;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Remotes;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>A peer repository served by a real git daemon, and a local clone of it with a managed remote.</summary>
internal sealed class PeerSetup : IAsyncDisposable
{
    public const string NodeId = "0123456789abcdef0123456789abcdef";

    private PeerSetup(TempRepo peer, TempRepo local, GitDaemon daemon)
    {
        Peer = peer;
        Local = local;
        Daemon = daemon;
    }

    public TempRepo Peer { get; }

    public TempRepo Local { get; }

    public GitDaemon Daemon { get; }

    public string RepoId => Peer.RootCommit();

    /// <summary>Shared by the fetch tests: libgit2's socket timeouts are process-wide, so every test uses the same.</summary>
    public static SyncOptions FastOptions() => new()
    {
        WatchdogTimeout = TimeSpan.FromSeconds(2),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        AttemptTimeout = TimeSpan.FromSeconds(20),
        OverallTimeout = TimeSpan.FromSeconds(30),
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        FetchInterval = TimeSpan.FromMinutes(10),
        RefPollInterval = TimeSpan.FromSeconds(1),
    };

    public static async Task<PeerSetup> CreateAsync(CancellationToken cancellationToken)
    {
        var peer = TempRepo.Create("repo");
        var local = TempRepo.CloneOf(peer);
        try
        {
            var daemon = await GitDaemon.StartAsync(peer.Root, cancellationToken);
            return new PeerSetup(peer, local, daemon);
        }
        catch
        {
            peer.Dispose();
            local.Dispose();
            throw;
        }
    }

    public Member PeerMember(string name = "peer", long refsVersion = 1, int? port = null) =>
        FakeMembershipView.MakeMember(NodeId, name, port ?? Daemon.Port, RepoId, refsVersion, address: IPAddress.Loopback);

    /// <summary>Adds the managed remote for the peer to the local repo; returns its name.</summary>
    public string AddManagedRemote(string name = "peer", int? port = null)
    {
        var remotes = new ManagedRemotes(Local.GitDir, RepoId, TimeProvider.System, NullLogger<ManagedRemotes>.Instance);
        var result = remotes.Reconcile(new MembershipSnapshot(1, [PeerMember(name, port: port)]));
        return result.Single(r => r.NodeId == NodeId).Name;
    }

    public async ValueTask DisposeAsync()
    {
        await Daemon.DisposeAsync();
        Peer.Dispose();
        Local.Dispose();
    }
}

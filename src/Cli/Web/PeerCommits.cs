using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Web;

/// <summary>A peer's recent commits on the branches you share, for the dashboard.</summary>
/// <param name="Repo">The name of the local repository the remote is in (a node serves several).</param>
internal sealed record PeerCommits(string PeerId, string PeerName, string Remote, IReadOnlyList<RecentCommit> Commits, string? Repo = null);

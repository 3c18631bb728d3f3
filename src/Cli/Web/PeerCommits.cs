using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Web;

/// <summary>A peer's recent commits on the branches you share, for the dashboard.</summary>
internal sealed record PeerCommits(string PeerId, string PeerName, string Remote, IReadOnlyList<RecentCommit> Commits);

using PeerMesh.Cli.Home;
using PeerMesh.Cli.Web;
using PeerMesh.Sync;
using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Node;

/// <summary>One repository the running node serves: where it is, its name on the daemon, and its own Sync.</summary>
internal sealed record ServedRepo(ServedEntry Entry, LocalRepository Repo, SyncService Sync, RecentPeerCommits Commits);

using PeerMesh.Cli.Home;
using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Node;

/// <summary>What a node starts serving: what its home served before, and the repository <c>up</c> was given, if any.</summary>
internal sealed record InitialRepos(IReadOnlyList<ServedEntry> Saved, LocalRepository? Given);

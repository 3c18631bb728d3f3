using System.Collections.Immutable;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Remotes;

/// <summary>The managed remotes as the fetch scheduler sees them (a fake in scheduling tests).</summary>
internal interface IManagedRemotes
{
    /// <param name="snapshot">The membership.</param>
    /// <param name="trust">Only trusted members get (or update) a remote; null = everyone.</param>
    ImmutableArray<ManagedRemote> Reconcile(MembershipSnapshot snapshot, TrustList? trust = null);

    ImmutableArray<ManagedRemote> List();

    bool HasConflict(string nodeId);
}

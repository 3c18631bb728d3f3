using System.Collections.Immutable;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Remotes;

/// <summary>The managed remotes as the fetch scheduler sees them (a fake in scheduling tests).</summary>
internal interface IManagedRemotes
{
    ImmutableArray<ManagedRemote> Reconcile(MembershipSnapshot snapshot);

    ImmutableArray<ManagedRemote> List();

    bool HasConflict(string nodeId);
}

namespace PeerMesh.Mesh.Membership;

/// <summary>Read side of the membership table, for Sync, Discovery and the CLI.</summary>
public interface IMembershipView
{
    MembershipSnapshot Current { get; }

    /// <summary>Completes with the first snapshot whose version is greater than <paramref name="afterVersion"/>.</summary>
    ValueTask<MembershipSnapshot> WaitForChangeAsync(long afterVersion, CancellationToken cancellationToken);
}

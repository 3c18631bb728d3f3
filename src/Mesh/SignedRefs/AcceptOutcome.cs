namespace PeerMesh.Mesh.SignedRefs;

/// <summary>What <see cref="StatementLedger.Offer"/> did with a statement.</summary>
internal enum AcceptOutcome
{
    /// <summary>Newer than what was held: it is now the author's statement; its diff says what to write and prune.</summary>
    Accepted,

    /// <summary>The statement already held (same sequence, same bytes): nothing changes, nothing is wrong.</summary>
    Unchanged,

    /// <summary>Refused for the reason given; what was held stays.</summary>
    Rejected,
}

namespace PeerMesh.Sync.SignedRefs;

/// <summary>What <see cref="StatementStore.Store"/> did.</summary>
internal enum StoreOutcome
{
    /// <summary>The ref now points at the new statement.</summary>
    Stored,

    /// <summary>The same statement was already stored.</summary>
    Unchanged,

    /// <summary>A statement with the same or a higher sequence is stored: nothing was written.</summary>
    NotNewer,
}

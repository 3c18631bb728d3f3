namespace PeerMesh.Mesh.Membership;

/// <summary>What to do with a gossiped statement about a member (see <see cref="MergeRules"/>).</summary>
internal enum MergeDecision
{
    /// <summary>Old news or about an unknown member: nothing changes, nothing is relayed.</summary>
    Ignore,

    /// <summary>It moves the member forward: apply and relay.</summary>
    Apply,

    /// <summary>Another voice for an existing suspicion (Lifeguard): may shorten its timeout.</summary>
    Confirm,
}

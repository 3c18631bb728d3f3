namespace PeerMesh.Mesh.Membership;

/// <summary>SWIM member states, in the order a member moves through them.</summary>
public enum MemberState
{
    Alive = 0,
    Suspect = 1,
    Dead = 2,
    Left = 3,
}

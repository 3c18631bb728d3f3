namespace PeerMesh.Mesh.Wire;

/// <summary>What a <see cref="MemberUpdate"/> says.</summary>
public enum UpdateKind : byte
{
    Alive = 0,
    Suspect = 1,
    Dead = 2,
    Left = 3,

    /// <summary>One repo announcement of a live member (new refs version); <see cref="MemberUpdate.Repos"/> holds exactly one.</summary>
    Repo = 4,
}

namespace PeerMesh.Mesh.Wire;

/// <summary>What a <see cref="MemberUpdate"/> says.</summary>
public enum UpdateKind : byte
{
    Alive = 0,
    Suspect = 1,
    Dead = 2,
    Left = 3,

    /// <summary>One repository of a live member (served, or its refs moved); <see cref="MemberUpdate.Repos"/> holds exactly one.</summary>
    Repo = 4,

    /// <summary>A repository the member no longer serves, at a new repository-set version; <see cref="MemberUpdate.Repos"/> holds exactly one (its id counts).</summary>
    RepoRemoved = 5,
}

using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// A gossiped statement about one member: alive (with its address, git port and a summary of its repository set),
/// suspect, dead, left, or one repository's announcement or removal. All fields are untrusted until validated.
/// </summary>
[MessagePackObject]
public sealed class MemberUpdate
{
    [Key(0)]
    public UpdateKind Kind { get; set; }

    [Key(1)]
    public string NodeId { get; set; } = "";

    [Key(2)]
    public long Incarnation { get; set; }

    /// <summary>For suspect/dead: who says so, the signer of the claim (independent confirmations are counted by it).</summary>
    [Key(3)]
    public string? From { get; set; }

    [Key(4)]
    public string? Name { get; set; }

    /// <summary>Advertised address (4 or 16 bytes); may be unspecified, then the packet source is used.</summary>
    [Key(5)]
    public byte[]? Address { get; set; }

    [Key(6)]
    public int Port { get; set; }

    [Key(7)]
    public int GitPort { get; set; }

    /// <summary>Repo and repo-removed: exactly one repository. Alive carries none (see <see cref="RepoSetVersion"/>).</summary>
    [Key(8)]
    public WireRepo[]? Repos { get; set; }

    /// <summary>Originator's Ed25519 public key: the member's own for alive, left and repo updates, the claimant's (<see cref="From"/>) for suspect and dead.</summary>
    [Key(9)]
    public byte[]? PublicKey { get; set; }

    /// <summary>Originator's signature over its canonical fields (see UpdateSigning, ClaimSigning); relays keep it.</summary>
    [Key(10)]
    public byte[]? Signature { get; set; }

    /// <summary>Set by a relay when the advertised address is unspecified: where the relay saw the member. Not signed.</summary>
    [Key(11)]
    public byte[]? ObservedAddress { get; set; }

    /// <summary>
    /// Alive: the version of the member's repository set (raised on every repository added or removed, never on a refs
    /// change). Repo and repo-removed: the set version the statement was signed under (the owner signs its statements
    /// again at every set change), so a statement older than a removal cannot bring the repository back.
    /// </summary>
    [Key(12)]
    public long RepoSetVersion { get; set; }

    /// <summary>Alive: how many repositories the member serves.</summary>
    [Key(13)]
    public int RepoCount { get; set; }

    /// <summary>Alive: <see cref="RepoSetDigest"/> of the ids of the repositories the member serves (16 bytes; null = none).</summary>
    [Key(14)]
    public byte[]? RepoSetDigest { get; set; }

    public MemberUpdate Clone() => (MemberUpdate)MemberwiseClone();
}

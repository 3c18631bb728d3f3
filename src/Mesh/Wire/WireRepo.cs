using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>Wire form of a repo announcement.</summary>
[MessagePackObject]
public sealed class WireRepo
{
    [Key(0)]
    public string RepoId { get; set; } = "";

    [Key(1)]
    public string Name { get; set; } = "";

    [Key(2)]
    public string Path { get; set; } = "";

    [Key(3)]
    public string RefsDigest { get; set; } = "";

    [Key(4)]
    public long RefsVersion { get; set; }
}

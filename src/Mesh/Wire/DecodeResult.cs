namespace PeerMesh.Mesh.Wire;

/// <summary>Outcome of decoding one datagram: a message and its sender, or the drop reason.</summary>
internal readonly record struct DecodeResult(MeshMessage? Message, string? SenderId, string? DropReason)
{
    public static DecodeResult Drop(string reason) => new(null, null, reason);
}

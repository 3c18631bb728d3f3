using PeerMesh.Mesh.Security;

namespace PeerMesh.Discovery.Mdns;

/// <summary>The short mesh hash advertised as <c>mesh=</c>: enough to tell meshes apart, not to recover the id.</summary>
internal static class MdnsMeshHash
{
    public static string Compute(string meshId)
    {
        var hash = Sha256Digest.Of("peermesh-mdns-mesh-v1:" + meshId);
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}

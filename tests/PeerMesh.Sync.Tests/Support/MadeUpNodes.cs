using System.Net;
using NSec.Cryptography;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport.Mesh;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// Members with real node ids, each from a fresh Ed25519 key: as cheap to make here as for anyone on a mesh
/// (HOSTILE 47). All serve the repository on one git port, from distinct addresses unless given one.
/// </summary>
internal static class MadeUpNodes
{
    public static Member[] Serving(string repoId, int count, int gitPort = 9418, IPAddress? address = null) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            using var key = Key.Create(SignatureAlgorithm.Ed25519);
            var id = NodeIdentity.IdFromPublicKey(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
            return FakeMembershipView.MakeMember(
                id, "laptop", gitPort, repoId, address: address ?? IPAddress.Parse($"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}"));
        })];
}

using PeerMesh.Mesh.Identity;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>Who signs this node's statements: the node's identity and its display name (signed with the work).</summary>
internal sealed record SignedRefsAuthor(NodeIdentity Identity, string Name);

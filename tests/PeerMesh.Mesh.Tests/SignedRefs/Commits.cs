namespace PeerMesh.Mesh.Tests.SignedRefs;

/// <summary>Made-up commit ids, distinct and readable.</summary>
internal static class Commits
{
    public static string Id(int n) => n.ToString("x8") + new string('c', 32);
}

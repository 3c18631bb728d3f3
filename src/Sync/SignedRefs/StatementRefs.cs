using PeerMesh.Mesh.Wire;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// Where signed refs live in a repository: <c>refs/peermesh/&lt;author id&gt;/statement</c>, a ref straight to the blob of
/// the statement's bytes, and (for relayed work) <c>refs/peermesh/&lt;author id&gt;/heads/&lt;branch&gt;</c>. Outside
/// <c>refs/heads</c>, <c>refs/tags</c> and <c>refs/remotes</c>, so no git command that works on branches, tags or
/// remotes sees them, a plain clone does not fetch them, and they cannot collide with the user's refs.
/// </summary>
internal static class StatementRefs
{
    public const string Namespace = "refs/peermesh/";

    public const string StatementName = "statement";

    /// <summary>The ref holding <paramref name="authorId"/>'s statement.</summary>
    public static string Statement(string authorId) => Namespace + CheckedId(authorId) + "/" + StatementName;

    /// <summary>The prefix under which a relay keeps <paramref name="authorId"/>'s verified branches to serve them on.</summary>
    public static string Heads(string authorId) => Namespace + CheckedId(authorId) + "/heads/";

    /// <summary>The author id of a statement ref, or null when <paramref name="refName"/> is not one.</summary>
    public static string? AuthorOf(string refName)
    {
        if (!refName.StartsWith(Namespace, StringComparison.Ordinal) || !refName.EndsWith("/" + StatementName, StringComparison.Ordinal))
        {
            return null;
        }

        var id = refName[Namespace.Length..^(StatementName.Length + 1)];
        return WireValidation.IsNodeId(id) ? id : null;
    }

    private static string CheckedId(string authorId) =>
        WireValidation.IsNodeId(authorId) ? authorId : throw new ArgumentException($"not a node id: {authorId}", nameof(authorId));
}

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>A branch of the author's that its statement does not carry, and why (an <see cref="OmittedBranch"/> reason).</summary>
internal readonly record struct OmittedBranch(string Name, string Reason)
{
    /// <summary>Not a name a statement may carry (<see cref="BranchNames"/>).</summary>
    public const string InvalidName = "invalid-name";

    /// <summary>A folder of a branch already taken (<c>a/b</c> after <c>a</c>), or a name given twice.</summary>
    public const string Conflict = "conflict";

    /// <summary>Beyond <see cref="SignedRefsLimits.MaxBranches"/>.</summary>
    public const string BranchCap = "branch-cap";

    /// <summary>It would take the statement beyond <see cref="SignedRefsLimits.MaxStatementBytes"/>.</summary>
    public const string SizeCap = "size-cap";

    /// <summary>Kept to the author: no <c>peermesh.share</c> pattern matches it (the author's choice, not a cap).</summary>
    public const string NotShared = "not in peermesh.share";
}

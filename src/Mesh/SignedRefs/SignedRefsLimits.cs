namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// The caps of a signed refs statement, part of the format (every node must agree on them, so they are constants, not
/// options). A statement over any of them is refused whole by a receiver; an author's own branches beyond them are left
/// out of its statement (<see cref="StatementBuilder"/>) and not shared.
/// </summary>
internal static class SignedRefsLimits
{
    /// <summary>Branches in one statement: far more than a person keeps, few enough that a statement stays small.</summary>
    public const int MaxBranches = 512;

    /// <summary>Bytes of one branch name (UTF-8, without <c>refs/heads/</c>): the format's one-byte length.</summary>
    public const int MaxBranchNameBytes = 255;

    /// <summary>
    /// Bytes of one encoded statement, signature included. 512 branches of up to 80-byte names fit; 512 of 255 bytes
    /// would not (141 KiB), so long names meet this cap first.
    /// </summary>
    public const int MaxStatementBytes = 64 * 1024;

    /// <summary>Authors whose statements a node keeps per repository (node ids are free; the same cap as managed remotes).</summary>
    public const int MaxAuthorsPerRepo = 64;

    /// <summary>
    /// A sequence number above the receiver's clock (Unix ms) plus this is implausible and refused, as incarnations are
    /// (the same 24 h): a statement signed by a clock a year ahead would otherwise out-rank every later one forever.
    /// </summary>
    public static readonly TimeSpan SequenceTolerance = TimeSpan.FromHours(24);
}

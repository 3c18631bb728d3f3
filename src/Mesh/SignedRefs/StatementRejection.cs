namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// Why a signed refs statement was refused: the keys of <see cref="SignedRefsStatistics"/>, one per cause, so a count
/// says what a relay or a peer did wrong. Decoding reasons first (in the order they are checked), then verification,
/// then acceptance.
/// </summary>
internal static class StatementRejection
{
    /// <summary>More bytes than <see cref="SignedRefsLimits.MaxStatementBytes"/> (checked before anything is read).</summary>
    public const string TooLarge = "too-large";

    /// <summary>The bytes end inside a field.</summary>
    public const string Truncated = "truncated";

    /// <summary>Not a signed refs statement at all.</summary>
    public const string BadMagic = "bad-magic";

    /// <summary>A statement of a format version this node does not know.</summary>
    public const string UnknownVersion = "unknown-version";

    /// <summary>A repo id that is empty, over 64 bytes, or holds other than <c>[A-Za-z0-9._-]</c>.</summary>
    public const string BadRepoId = "bad-repo-id";

    /// <summary>An author name that is not UTF-8, over 64 characters, or holds control characters.</summary>
    public const string BadAuthorName = "bad-author-name";

    /// <summary>A sequence number below 1.</summary>
    public const string BadSequence = "bad-sequence";

    /// <summary>A signing time below 0 or above the sequence number (an honest author's sequence is at least its clock).</summary>
    public const string BadTimestamp = "bad-timestamp";

    /// <summary>More branches than <see cref="SignedRefsLimits.MaxBranches"/>.</summary>
    public const string TooManyBranches = "too-many-branches";

    /// <summary>A branch name of length 0, not UTF-8, or not a valid branch name.</summary>
    public const string BadBranchName = "bad-branch-name";

    /// <summary>Branch names not in strictly ascending byte order.</summary>
    public const string UnsortedBranches = "unsorted-branches";

    /// <summary>The same branch name twice.</summary>
    public const string DuplicateBranch = "duplicate-branch";

    /// <summary>A branch that is a folder of another (<c>a</c> and <c>a/b</c>): git cannot hold both.</summary>
    public const string BranchPrefixConflict = "branch-prefix-conflict";

    /// <summary>A commit id of all zeros.</summary>
    public const string BadCommitId = "bad-commit-id";

    /// <summary>Bytes after the signature.</summary>
    public const string TrailingBytes = "trailing-bytes";

    /// <summary>The statement's key is not the author we expected (its id is the hash of the key).</summary>
    public const string WrongAuthor = "wrong-author";

    /// <summary>A statement about another repository.</summary>
    public const string WrongRepo = "wrong-repo";

    /// <summary>A sequence above the receiver's clock plus <see cref="SignedRefsLimits.SequenceTolerance"/>.</summary>
    public const string ImplausibleSequence = "implausible-sequence";

    /// <summary>The Ed25519 signature does not verify under the statement's key.</summary>
    public const string BadSignature = "bad-signature";

    /// <summary>Older than the statement accepted for that author (a replay, or a relay that is behind).</summary>
    public const string Older = "older";

    /// <summary>The same sequence as the accepted one with other content: the author's key signed two statements.</summary>
    public const string Equivocation = "equivocation";

    /// <summary>A new author for a repository that already holds <see cref="SignedRefsLimits.MaxAuthorsPerRepo"/>.</summary>
    public const string AuthorCap = "author-cap";

    /// <summary>The holder did not send a commit the statement names (an altered relay copy, or a relay still behind).</summary>
    public const string MissingCommits = "missing-commits";

    /// <summary>A named commit is present but its history is not (a parent, tree or blob missing): a truncated copy.</summary>
    public const string Disconnected = "disconnected";
}

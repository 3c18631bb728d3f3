namespace PeerMesh.Mesh.Wire;

/// <summary>Why a datagram or an update was dropped; the keys of <c>MeshStatistics</c> drop counters.</summary>
internal static class DropReason
{
    public const string TooLarge = "too-large";
    public const string Malformed = "malformed";
    public const string UnknownVersion = "unknown-version";
    public const string WrongMesh = "wrong-mesh";
    public const string KeyMismatch = "key-mismatch";
    public const string Stale = "stale";
    public const string OwnEcho = "own-echo";
    public const string BadSignature = "bad-signature";
    public const string Invalid = "invalid";
    public const string InvalidAddress = "invalid-address";
    public const string InvalidRepo = "invalid-repo";
    public const string MemberCap = "member-cap";
    public const string RepoCap = "repo-cap";

    /// <summary>An alive whose repository-set summary cannot be (negative count or version, a digest that is not 16 bytes).</summary>
    public const string InvalidRepoSet = "invalid-repo-set";

    /// <summary>A repository request not from a live member at its known address, or again within a probe interval.</summary>
    public const string RepoRequestRefused = "repo-request-refused";
    public const string Misdirected = "misdirected";
    public const string RateLimited = "rate-limited";

    /// <summary>An address nobody signed that did not answer its challenge with a valid proof (HOSTILE 9).</summary>
    public const string UnprovenAddress = "unproven-address";

    /// <summary>A challenge answered without a proof: more than the proofs we sign per second were asked for.</summary>
    public const string ProofBudget = "proof-budget";

    /// <summary>
    /// An incarnation no honest node can have said (HOSTILE 46): beyond the clock-derived bound, or a suspect/dead
    /// claim above what the member itself announced (or, about us, above what we could refute to).
    /// </summary>
    public const string ImplausibleIncarnation = "implausible-incarnation";

    /// <summary>A suspect or dead claim signed by a node this one does not know as a member (keys are free; membership is not).</summary>
    public const string UnknownClaimant = "unknown-claimant";
}

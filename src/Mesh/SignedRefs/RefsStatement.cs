using System.Collections.Immutable;
using PeerMesh.Mesh.Security;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// One author's signed statement of its branches in one repository (see docs/ARCHITECTURE.md, "Signed refs and
/// relaying"). Made only by <see cref="StatementBuilder"/> (signed) or <see cref="StatementCodec.TryDecode"/>
/// (well-formed, not yet verified: see <see cref="StatementVerifier"/>). <see cref="Encoded"/> is the canonical form:
/// the exact bytes stored in the repository and signed.
/// </summary>
internal sealed class RefsStatement
{
    internal RefsStatement(
        ImmutableArray<byte> authorKey,
        string authorName,
        string repoId,
        long sequence,
        long signedAtMs,
        ImmutableArray<BranchTip> branches,
        ImmutableArray<byte> encoded)
    {
        AuthorKey = authorKey;
        AuthorId = Identity.NodeIdentity.IdFromPublicKey(authorKey.AsSpan());
        AuthorName = authorName;
        RepoId = repoId;
        Sequence = sequence;
        SignedAtMs = signedAtMs;
        Branches = branches;
        Encoded = encoded;
        Digest = StatementDigest.Of(encoded.AsSpan());
    }

    private string? _branchesDigest;

    /// <summary>The author's raw Ed25519 public key (32 bytes).</summary>
    public ImmutableArray<byte> AuthorKey { get; }

    /// <summary>The author's node id: the hash of <see cref="AuthorKey"/>, never read from the bytes.</summary>
    public string AuthorId { get; }

    /// <summary>
    /// The author's display name when it signed: signed with the work, so a node that never saw the author can still
    /// name it ("alice (offline, via bob)") and its remote. Shown to people only, never an identifier.
    /// </summary>
    public string AuthorName { get; }

    public string RepoId { get; }

    /// <summary>Only grows per author and repository: <c>max(previous + 1, Unix ms)</c> at signing.</summary>
    public long Sequence { get; }

    /// <summary>The author's clock at signing, Unix ms: for people ("12 min old"), never for ordering.</summary>
    public long SignedAtMs { get; }

    public DateTimeOffset SignedAt => DateTimeOffset.FromUnixTimeMilliseconds(SignedAtMs);

    /// <summary>The branches in ascending byte order of their names.</summary>
    public ImmutableArray<BranchTip> Branches { get; }

    /// <summary>The canonical bytes, signature last.</summary>
    public ImmutableArray<byte> Encoded { get; }

    /// <summary>The 64-byte Ed25519 signature (the last bytes of <see cref="Encoded"/>).</summary>
    public ReadOnlySpan<byte> Signature => Encoded.AsSpan()[^StatementCodec.SignatureLength..];

    /// <summary>The signed part of <see cref="Encoded"/>: everything before the signature.</summary>
    public ReadOnlySpan<byte> SignedBytes => Encoded.AsSpan()[..^StatementCodec.SignatureLength];

    /// <summary>The git blob id of <see cref="Encoded"/> (40 hex): what the statement ref points at and gossip carries.</summary>
    public string Digest { get; }

    /// <summary>
    /// SHA-256 (hex) over the branches alone, names and commits: equal for two statements of one author that name the
    /// same work, whatever their sequences (computed once, on first use).
    /// </summary>
    public string BranchesDigest => _branchesDigest ??= Sha256Digest.OfRefs(Branches.Select(b => (b.Name, b.CommitId)));

    public StatementSummary Summary(string holderId) => new(AuthorId, RepoId, Sequence, Digest, holderId);

    /// <summary>The commit of <paramref name="branch"/>, or null when the statement does not name it.</summary>
    public string? CommitOf(string branch)
    {
        foreach (var tip in Branches)
        {
            if (tip.Name == branch)
            {
                return tip.CommitId;
            }
        }

        return null;
    }
}

using System.Collections.Immutable;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// Signs a node's statement of its own branches. Branches come in the caller's order of priority (the checked-out
/// branch first, say): each is taken while the caps hold, so at a cap the least important are the ones left out, and
/// the statement lists what it took in byte order of the names.
/// </summary>
internal static class StatementBuilder
{
    /// <summary>Fixed bytes: magic, key, repo id and name lengths, sequence, time, count, signature.</summary>
    private const int FixedBytes = 24 + StatementCodec.PublicKeyLength + 1 + 1 + 8 + 8 + 2 + StatementCodec.SignatureLength;

    private const int PerBranchBytes = 1 + StatementCodec.CommitIdLength;

    /// <param name="authorName">The node's display name; cleaned and cut as on the wire (<see cref="WireValidation.ToDisplayName"/>).</param>
    /// <param name="previousSequence">The highest sequence this author is known to have signed for the repository (0: none).</param>
    public static BuiltStatement Build(NodeIdentity author, string authorName, string repoId, IEnumerable<BranchTip> branchesByPriority, long previousSequence, TimeProvider time)
    {
        var name = WireValidation.ToDisplayName(authorName);
        if (!BranchNames.TryToBytes(name, out var nameBytes))
        {
            name = "";
            nameBytes = [];
        }

        var now = time.GetUtcNow();
        var sequence = StatementSequence.Next(previousSequence, now);
        var signedAt = Math.Clamp(now.ToUnixTimeMilliseconds(), 0, sequence);

        var taken = new SortedDictionary<string, BranchTip>(Comparer<string>.Create(BranchNames.Compare));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var omitted = ImmutableArray.CreateBuilder<OmittedBranch>();
        var size = FixedBytes + repoId.Length + nameBytes.Length;
        foreach (var tip in branchesByPriority)
        {
            StatementCodec.ParseCommitId(tip.CommitId); // a caller's bug, not the author's choice: throws
            if (!BranchNames.IsValid(tip.Name))
            {
                omitted.Add(new OmittedBranch(tip.Name, OmittedBranch.InvalidName));
                continue;
            }

            // A name given twice must not take the first one's place in the set (a folder of it would then pass).
            if (!names.Add(tip.Name) || StatementCodec.HasPrefixConflict(names))
            {
                if (!taken.ContainsKey(tip.Name))
                {
                    names.Remove(tip.Name);
                }

                omitted.Add(new OmittedBranch(tip.Name, OmittedBranch.Conflict));
                continue;
            }

            var bytes = PerBranchBytes + BranchNames.ToBytes(tip.Name).Length;
            var reason = taken.Count >= SignedRefsLimits.MaxBranches ? OmittedBranch.BranchCap
                : size + bytes > SignedRefsLimits.MaxStatementBytes ? OmittedBranch.SizeCap
                : null;
            if (reason is not null)
            {
                names.Remove(tip.Name);
                omitted.Add(new OmittedBranch(tip.Name, reason));
                continue;
            }

            taken.Add(tip.Name, tip with { CommitId = tip.CommitId.ToLowerInvariant() });
            size += bytes;
        }

        var branches = taken.Values.ToImmutableArray();
        var signed = StatementCodec.EncodeSigned(author.PublicKey, name, repoId, sequence, signedAt, branches);
        var encoded = ImmutableArray.Create([.. signed, .. author.Sign(signed)]);
        var statement = new RefsStatement([.. author.PublicKey], name, repoId, sequence, signedAt, branches, encoded);
        return new BuiltStatement(statement, omitted.ToImmutable());
    }
}

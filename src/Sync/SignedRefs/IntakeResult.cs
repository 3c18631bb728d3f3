using System.Collections.Immutable;
using LibGit2Sharp;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// What <see cref="StatementIntake.Take"/> did with one fetch: whether the holder's own branches were taken from its
/// statement (else the caller writes them as before, for a holder that signs nothing), the refs it wrote under
/// <c>refs/remotes/</c> (old and new target; a deletion has <see cref="ObjectId.Zero"/> as new), and how many
/// statements it accepted.
/// </summary>
internal sealed record IntakeResult(bool HolderBySignature, ImmutableArray<(string Name, ObjectId Old, ObjectId New)> Updates, int Accepted);

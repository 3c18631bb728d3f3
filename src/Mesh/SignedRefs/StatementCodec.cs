using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// The canonical byte form of a signed refs statement. There is exactly one encoding of a statement, so the bytes
/// stored, hashed and signed are the same everywhere:
/// <code>
/// "peermesh signed refs v1\0"   24  magic and format version (v1: SHA-1 object ids)
/// author public key            32  raw Ed25519
/// repo id length L              1  1..64
/// repo id                       L  [A-Za-z0-9._-]
/// author name length M          1  0..255
/// author name                   M  UTF-8, a display name (at most 64 characters, no control characters)
/// sequence                      8  int64 big-endian, >= 1
/// signed at                     8  int64 big-endian, Unix ms, 0..sequence
/// branch count N                2  uint16 big-endian, 0..512
/// N times: name length n        1  1..255
///          name                 n  UTF-8, a valid branch name, strictly ascending bytes, none a folder of another
///          commit id           20  raw, not all zeros
/// signature                    64  Ed25519 by the author's key over every byte before it
/// </code>
/// Decoding never throws: a failure is one of the <see cref="StatementRejection"/> reasons, checked in the order of
/// the fields, with the size cap first.
/// </summary>
internal static class StatementCodec
{
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;
    public const int CommitIdLength = 20;

    /// <summary>The magic's text, before its NUL (the pack hook recognises a statement blob by it).</summary>
    internal const string MagicText = "peermesh signed refs v1";

    private static readonly byte[] s_magic = Encoding.ASCII.GetBytes(MagicText + "\0");

    /// <summary>The magic up to the version: a statement of another version is told from something else.</summary>
    private static readonly int s_versionAt = "peermesh signed refs v".Length;

    /// <summary>The part of a statement the author signs.</summary>
    public static byte[] EncodeSigned(ReadOnlySpan<byte> authorKey, string authorName, string repoId, long sequence, long signedAtMs, IReadOnlyList<BranchTip> branches)
    {
        if (!WireValidation.IsDisplayName(authorName) || !BranchNames.TryToBytes(authorName, out var nameBytes) || nameBytes.Length > byte.MaxValue)
        {
            throw new ArgumentException($"not a display name: {authorName}", nameof(authorName));
        }

        if (authorKey.Length != PublicKeyLength)
        {
            throw new ArgumentException("an Ed25519 public key is 32 bytes", nameof(authorKey));
        }

        if (!WireValidation.IsRepoId(repoId))
        {
            throw new ArgumentException($"not a repo id: {repoId}", nameof(repoId));
        }

        if (sequence < 1 || signedAtMs < 0 || signedAtMs > sequence)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), "0 <= signed at <= sequence, sequence >= 1");
        }

        if (branches.Count > SignedRefsLimits.MaxBranches)
        {
            throw new ArgumentException("too many branches", nameof(branches));
        }

        using var stream = new MemoryStream();
        stream.Write(s_magic);
        stream.Write(authorKey);
        stream.WriteByte((byte)repoId.Length);
        stream.Write(Encoding.ASCII.GetBytes(repoId));
        stream.WriteByte((byte)nameBytes.Length);
        stream.Write(nameBytes);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, sequence);
        stream.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, signedAtMs);
        stream.Write(number);
        BinaryPrimitives.WriteUInt16BigEndian(number, (ushort)branches.Count);
        stream.Write(number[..2]);
        byte[]? previous = null;
        foreach (var tip in branches)
        {
            if (!BranchNames.IsValid(tip.Name))
            {
                throw new ArgumentException($"not a branch name: {tip.Name}", nameof(branches));
            }

            var name = BranchNames.ToBytes(tip.Name);
            if (previous is not null && previous.AsSpan().SequenceCompareTo(name) >= 0)
            {
                throw new ArgumentException("branches must be sorted and unique", nameof(branches));
            }

            stream.WriteByte((byte)name.Length);
            stream.Write(name);
            stream.Write(ParseCommitId(tip.CommitId));
            previous = name;
        }

        return stream.ToArray();
    }

    /// <summary>Decodes <paramref name="bytes"/>; on failure <paramref name="reason"/> is a <see cref="StatementRejection"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out RefsStatement? statement, out string reason)
    {
        statement = null;
        reason = Decode(bytes, out statement);
        return statement is not null;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, out RefsStatement? statement)
    {
        statement = null;
        if (bytes.Length > SignedRefsLimits.MaxStatementBytes)
        {
            return StatementRejection.TooLarge;
        }

        var reader = new Reader(bytes);
        if (!reader.Take(s_magic.Length, out var magic))
        {
            // Shorter than the magic: a cut-off statement, one of another version, or something else.
            return s_magic.AsSpan().StartsWith(bytes) ? StatementRejection.Truncated
                : bytes.StartsWith(s_magic.AsSpan(0, s_versionAt)) ? StatementRejection.UnknownVersion
                : StatementRejection.BadMagic;
        }

        if (!magic.SequenceEqual(s_magic))
        {
            return magic.StartsWith(s_magic.AsSpan(0, s_versionAt)) ? StatementRejection.UnknownVersion : StatementRejection.BadMagic;
        }

        if (!reader.Take(PublicKeyLength, out var key) || !reader.TakeByte(out var repoIdLength))
        {
            return StatementRejection.Truncated;
        }

        if (repoIdLength is 0 or > WireValidation.MaxRepoIdLength)
        {
            return StatementRejection.BadRepoId;
        }

        if (!reader.Take(repoIdLength, out var repoIdBytes))
        {
            return StatementRejection.Truncated;
        }

        var repoId = Encoding.ASCII.GetString(repoIdBytes);
        if (!IsAscii(repoIdBytes) || !WireValidation.IsRepoId(repoId))
        {
            return StatementRejection.BadRepoId;
        }

        if (!reader.TakeByte(out var authorNameLength) || !reader.Take(authorNameLength, out var authorNameBytes))
        {
            return StatementRejection.Truncated;
        }

        if (!BranchNames.TryUtf8(authorNameBytes, out var authorName) || !WireValidation.IsDisplayName(authorName))
        {
            return StatementRejection.BadAuthorName;
        }

        if (!reader.TakeInt64(out var sequence) || !reader.TakeInt64(out var signedAt))
        {
            return StatementRejection.Truncated;
        }

        if (sequence < 1)
        {
            return StatementRejection.BadSequence;
        }

        if (signedAt < 0 || signedAt > sequence)
        {
            return StatementRejection.BadTimestamp;
        }

        if (!reader.TakeUInt16(out var count))
        {
            return StatementRejection.Truncated;
        }

        if (count > SignedRefsLimits.MaxBranches)
        {
            return StatementRejection.TooManyBranches;
        }

        var branches = ImmutableArray.CreateBuilder<BranchTip>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        ReadOnlySpan<byte> previous = default;
        for (var i = 0; i < count; i++)
        {
            if (!reader.TakeByte(out var nameLength))
            {
                return StatementRejection.Truncated;
            }

            if (nameLength == 0)
            {
                return StatementRejection.BadBranchName;
            }

            if (!reader.Take(nameLength, out var nameBytes) || !reader.Take(CommitIdLength, out var commit))
            {
                return StatementRejection.Truncated;
            }

            if (!BranchNames.TryFromBytes(nameBytes, out var name))
            {
                return StatementRejection.BadBranchName;
            }

            if (i > 0)
            {
                var order = previous.SequenceCompareTo(nameBytes);
                if (order == 0)
                {
                    return StatementRejection.DuplicateBranch;
                }

                if (order > 0)
                {
                    return StatementRejection.UnsortedBranches;
                }
            }

            if (commit.IndexOfAnyExcept((byte)0) < 0)
            {
                return StatementRejection.BadCommitId;
            }

            branches.Add(new BranchTip(name, Convert.ToHexStringLower(commit)));
            names.Add(name);
            previous = nameBytes;
        }

        if (HasPrefixConflict(names))
        {
            return StatementRejection.BranchPrefixConflict;
        }

        if (!reader.Take(SignatureLength, out _))
        {
            return StatementRejection.Truncated;
        }

        if (!reader.AtEnd)
        {
            return StatementRejection.TrailingBytes;
        }

        statement = new RefsStatement([.. key], authorName, repoId, sequence, signedAt, branches.MoveToImmutable(), [.. bytes]);
        return "";
    }

    /// <summary>40 hex characters as 20 bytes; throws for anything else (our own callers only).</summary>
    public static byte[] ParseCommitId(string commitId)
    {
        if (commitId is not { Length: CommitIdLength * 2 } || !commitId.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"not a commit id: {commitId}", nameof(commitId));
        }

        var bytes = Convert.FromHexString(commitId);
        if (bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            throw new ArgumentException("the zero id names no commit", nameof(commitId));
        }

        return bytes;
    }

    /// <summary>True when one name is a folder of another (<c>a</c> and <c>a/b</c>).</summary>
    internal static bool HasPrefixConflict(IReadOnlySet<string> names)
    {
        foreach (var name in names)
        {
            for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
            {
                if (names.Contains(name[..slash]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsAscii(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0;

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly bool AtEnd => _at == _bytes.Length;

        public bool Take(int count, out ReadOnlySpan<byte> taken)
        {
            if (_bytes.Length - _at < count)
            {
                taken = default;
                return false;
            }

            taken = _bytes.Slice(_at, count);
            _at += count;
            return true;
        }

        public bool TakeByte(out byte value)
        {
            var ok = Take(1, out var taken);
            value = ok ? taken[0] : (byte)0;
            return ok;
        }

        public bool TakeInt64(out long value)
        {
            var ok = Take(8, out var taken);
            value = ok ? BinaryPrimitives.ReadInt64BigEndian(taken) : 0;
            return ok;
        }

        public bool TakeUInt16(out ushort value)
        {
            var ok = Take(2, out var taken);
            value = ok ? BinaryPrimitives.ReadUInt16BigEndian(taken) : (ushort)0;
            return ok;
        }
    }
}

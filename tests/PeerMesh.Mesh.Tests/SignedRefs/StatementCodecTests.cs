using System.Reflection;
using System.Text;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class StatementCodecTests : IDisposable
{
    private readonly TestIdentities _authors = new();

    [Fact]
    public void TryDecode_WellFormed_ReadsEveryField()
    {
        var raw = new RawStatement { Sequence = 5_000, SignedAt = 4_000 }
            .Branch("feature/x", Commits.Id(2))
            .Branch("main", Commits.Id(1));
        var bytes = raw.SignedBy(_authors["alice"]);

        Assert.True(StatementCodec.TryDecode(bytes, out var statement, out var reason), reason);
        Assert.Equal(_authors["alice"].Id, statement!.AuthorId);
        Assert.Equal(_authors["alice"].PublicKey, statement.AuthorKey.ToArray());
        Assert.Equal("repo-1", statement.RepoId);
        Assert.Equal("alice", statement.AuthorName);
        Assert.Equal(5_000, statement.Sequence);
        Assert.Equal(4_000, statement.SignedAtMs);
        Assert.Equal([new BranchTip("feature/x", Commits.Id(2)), new BranchTip("main", Commits.Id(1))], statement.Branches);
        Assert.Equal(bytes, statement.Encoded.ToArray());
        Assert.Equal(bytes[^64..], statement.Signature.ToArray());
    }

    [Fact]
    public void EncodeSigned_DecodedFields_GivesTheSameBytes()
    {
        var bytes = new RawStatement().Branch("a", Commits.Id(1)).Branch("b/c", Commits.Id(2)).SignedBy(_authors["alice"]);
        Assert.True(StatementCodec.TryDecode(bytes, out var s, out _));

        var again = StatementCodec.EncodeSigned(s!.AuthorKey.AsSpan(), s.AuthorName, s.RepoId, s.Sequence, s.SignedAtMs, s.Branches);

        Assert.Equal(bytes[..^64], again);
    }

    [Fact]
    public void Digest_IsTheGitBlobIdOfTheBytes()
    {
        // `printf 'hello\n' | git hash-object --stdin`
        Assert.Equal("ce013625030ba8dba906f756967f9e9ca394464a", StatementDigest.Of(Encoding.ASCII.GetBytes("hello\n")));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "too-large", StatementRejection.TooLarge },
        { "empty", StatementRejection.Truncated },
        { "cut in the magic", StatementRejection.Truncated },
        { "cut in the key", StatementRejection.Truncated },
        { "cut in a branch", StatementRejection.Truncated },
        { "no signature", StatementRejection.Truncated },
        { "not a statement", StatementRejection.BadMagic },
        { "version 2", StatementRejection.UnknownVersion },
        { "short version 2", StatementRejection.UnknownVersion },
        { "repo id empty", StatementRejection.BadRepoId },
        { "repo id 65 bytes", StatementRejection.BadRepoId },
        { "repo id with a slash", StatementRejection.BadRepoId },
        { "repo id not ascii", StatementRejection.BadRepoId },
        { "cut in the author name", StatementRejection.Truncated },
        { "author name not utf-8", StatementRejection.BadAuthorName },
        { "author name with a newline", StatementRejection.BadAuthorName },
        { "author name 65 characters", StatementRejection.BadAuthorName },
        { "sequence 0", StatementRejection.BadSequence },
        { "sequence negative", StatementRejection.BadSequence },
        { "signed at negative", StatementRejection.BadTimestamp },
        { "signed at after sequence", StatementRejection.BadTimestamp },
        { "513 branches", StatementRejection.TooManyBranches },
        { "name empty", StatementRejection.BadBranchName },
        { "name not utf-8", StatementRejection.BadBranchName },
        { "name with ..", StatementRejection.BadBranchName },
        { "name HEAD", StatementRejection.BadBranchName },
        { "name with a newline", StatementRejection.BadBranchName },
        { "unsorted", StatementRejection.UnsortedBranches },
        { "duplicate", StatementRejection.DuplicateBranch },
        { "a and a/b", StatementRejection.BranchPrefixConflict },
        { "zero commit", StatementRejection.BadCommitId },
        { "trailing byte", StatementRejection.TrailingBytes },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryDecode_Malformed_RefusedWithItsOwnReason(string form, string expected)
    {
        var bytes = MakeMalformed(form);

        Assert.False(StatementCodec.TryDecode(bytes, out var statement, out var reason));
        Assert.Null(statement);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Rejections_EveryReasonIsDistinct()
    {
        var reasons = typeof(StatementRejection).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetValue(null)!)
            .ToList();

        Assert.Equal(reasons.Count, reasons.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(24, reasons.Count);
    }

    [Fact]
    public void TryDecode_EmptyAuthorName_Accepted()
    {
        var bytes = new RawStatement { AuthorName = [] }.SignedBy(_authors["alice"]);

        Assert.True(StatementCodec.TryDecode(bytes, out var statement, out var reason), reason);
        Assert.Equal("", statement!.AuthorName);
    }

    [Fact]
    public void TryDecode_AtTheCaps_Accepted()
    {
        var raw = new RawStatement { RepoId = Encoding.ASCII.GetBytes(new string('r', 64)) };
        for (var i = 0; i < SignedRefsLimits.MaxBranches; i++)
        {
            raw.Branch($"b{i:d5}", Commits.Id(i + 1));
        }

        Assert.True(StatementCodec.TryDecode(raw.SignedBy(_authors["alice"]), out var statement, out var reason), reason);
        Assert.Equal(SignedRefsLimits.MaxBranches, statement!.Branches.Length);

        var longName = new RawStatement().Branch(new string('n', 255), Commits.Id(1));
        Assert.True(StatementCodec.TryDecode(longName.SignedBy(_authors["alice"]), out _, out reason), reason);
    }

    private byte[] MakeMalformed(string form)
    {
        var alice = _authors["alice"];
        var good = new RawStatement().Branch("main", Commits.Id(1));
        var goodBytes = good.SignedBy(alice);
        return form switch
        {
            "too-large" => [.. goodBytes, .. new byte[SignedRefsLimits.MaxStatementBytes]],
            "empty" => [],
            "cut in the magic" => goodBytes[..10],
            "cut in the key" => goodBytes[..40],
            "cut in a branch" => goodBytes[..^70],
            "no signature" => goodBytes[..^64],
            "not a statement" => Encoding.ASCII.GetBytes("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"),
            "version 2" => With(r => r.MagicBytes = Encoding.ASCII.GetBytes("peermesh signed refs v2\0")),
            "short version 2" => Encoding.ASCII.GetBytes("peermesh signed refs v2"),
            "repo id empty" => With(r => r.RepoId = []),
            "repo id 65 bytes" => With(r => r.RepoId = Encoding.ASCII.GetBytes(new string('r', 65))),
            "repo id with a slash" => With(r => r.RepoId = Encoding.ASCII.GetBytes("a/b")),
            "repo id not ascii" => With(r => r.RepoId = [0x72, 0xC3, 0xA9]),
            "cut in the author name" => With(r => r.AuthorName = Encoding.UTF8.GetBytes(new string('n', 200)))[..120],
            "author name not utf-8" => With(r => r.AuthorName = [0x61, 0xC3]),
            "author name with a newline" => With(r => r.AuthorName = Encoding.UTF8.GetBytes("a\nb")),
            "author name 65 characters" => With(r => r.AuthorName = Encoding.UTF8.GetBytes(new string('n', 65))),
            "sequence 0" => With(r => (r.Sequence, r.SignedAt) = (0, 0)),
            "sequence negative" => With(r => r.Sequence = long.MinValue),
            "signed at negative" => With(r => r.SignedAt = -1),
            "signed at after sequence" => With(r => r.SignedAt = r.Sequence + 1),
            "513 branches" => With(r =>
            {
                r.Branches.Clear();
                for (var i = 0; i < 513; i++)
                {
                    r.Branch($"b{i:d5}", Commits.Id(i + 1));
                }
            }),
            "name empty" => With(r => r.Branches[0] = ([], r.Branches[0].Commit)),
            "name not utf-8" => With(r => r.Branches[0] = ([0x61, 0xFF], r.Branches[0].Commit)),
            "name with .." => With(r => r.Branches[0] = (Encoding.ASCII.GetBytes("a..b"), r.Branches[0].Commit)),
            "name HEAD" => With(r => r.Branches[0] = (Encoding.ASCII.GetBytes("HEAD"), r.Branches[0].Commit)),
            "name with a newline" => With(r => r.Branches[0] = (Encoding.ASCII.GetBytes("a\nb"), r.Branches[0].Commit)),
            "unsorted" => With(r => r.Branch("a", Commits.Id(2))),
            "duplicate" => With(r => r.Branch("main", Commits.Id(2))),
            "a and a/b" => With(r => r.Branch("main/x", Commits.Id(2))),
            "zero commit" => With(r => r.Branches[0] = (r.Branches[0].Name, new byte[20])),
            "trailing byte" => With(r => r.Trailer = [0]),
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };

        byte[] With(Action<RawStatement> change)
        {
            var raw = new RawStatement().Branch("main", Commits.Id(1));
            change(raw);
            return raw.SignedBy(alice);
        }
    }

    public void Dispose() => _authors.Dispose();
}

using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class StatementVerifierTests : IDisposable
{
    private readonly TestIdentities _authors = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));

    [Fact]
    public void Verify_TheAuthorsOwnStatement_Holds()
    {
        var statement = Build("alice", "main");

        Assert.Null(StatementVerifier.Verify(statement, _authors["alice"].Id, "repo-1", _time.GetUtcNow()));
        Assert.Null(StatementVerifier.Verify(statement, _authors["alice"].Id.ToUpperInvariant(), "repo-1", _time.GetUtcNow()));
    }

    [Fact]
    public void Verify_BranchMovedKeepingTheAuthorsSignature_BadSignature()
    {
        var genuine = Build("alice", "main");
        var raw = new RawStatement { Key = _authors["alice"].PublicKey, Sequence = genuine.Sequence, SignedAt = genuine.SignedAtMs }
            .Branch("main", Commits.Id(666));
        var forged = Decode([.. raw.SignedPart(), .. genuine.Signature]);

        Assert.Equal(StatementRejection.BadSignature, StatementVerifier.Verify(forged, _authors["alice"].Id, "repo-1", _time.GetUtcNow()));
    }

    [Fact]
    public void Verify_BranchMovedAndSignedByTheRelay_WrongAuthor()
    {
        var genuine = Build("alice", "main");
        var raw = new RawStatement { Sequence = genuine.Sequence + 1, SignedAt = genuine.SignedAtMs }.Branch("main", Commits.Id(666));
        var forged = Decode(raw.SignedBy(_authors["bob"]));

        Assert.Equal(StatementRejection.WrongAuthor, StatementVerifier.Verify(forged, _authors["alice"].Id, "repo-1", _time.GetUtcNow()));
    }

    [Fact]
    public void Verify_AnotherRepositorysStatement_WrongRepo()
    {
        var statement = Build("alice", "main", repoId: "other-project");

        Assert.Equal(StatementRejection.WrongRepo, StatementVerifier.Verify(statement, _authors["alice"].Id, "repo-1", _time.GetUtcNow()));
    }

    [Fact]
    public void Verify_SequenceMoreThanADayAhead_ImplausibleUntilTheClockCatchesUp()
    {
        var ahead = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromHours(25));
        var statement = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [new BranchTip("main", Commits.Id(1))], 0, ahead).Statement;

        Assert.Equal(StatementRejection.ImplausibleSequence, StatementVerifier.Verify(statement, _authors["alice"].Id, "repo-1", _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Null(StatementVerifier.Verify(statement, _authors["alice"].Id, "repo-1", _time.GetUtcNow()));
    }

    [Fact]
    public void Verify_SignatureByteFlipped_BadSignature()
    {
        var bytes = Build("alice", "main").Encoded.ToArray();
        bytes[^1] ^= 0x01;

        Assert.Equal(StatementRejection.BadSignature, StatementVerifier.Verify(Decode(bytes), _authors["alice"].Id, "repo-1", _time.GetUtcNow()));
    }

    private RefsStatement Build(string author, string branch, string repoId = "repo-1") =>
        StatementBuilder.Build(_authors[author], "test", repoId, [new BranchTip(branch, Commits.Id(1))], 0, _time).Statement;

    private static RefsStatement Decode(byte[] bytes)
    {
        Assert.True(StatementCodec.TryDecode(bytes, out var statement, out var reason), reason);
        return statement!;
    }

    public void Dispose() => _authors.Dispose();
}

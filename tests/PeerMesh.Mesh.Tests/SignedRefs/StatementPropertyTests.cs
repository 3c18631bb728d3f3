using CsCheck;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

/// <summary>Properties of the canonical form over generated statements (CsCheck).</summary>
public sealed class StatementPropertyTests : IDisposable
{
    private static readonly Gen<string> s_name =
        Gen.Char["ab/.-_é~x0"].Array[1, 12].Select(chars => new string(chars));

    private static readonly Gen<BranchTip> s_tip =
        Gen.Select(s_name, Gen.Byte.Array[20]).Select((name, commit) =>
        {
            commit[0] |= 1; // never the zero id
            return new BranchTip(name, Convert.ToHexStringLower(commit));
        });

    private static readonly Gen<(BranchTip[] Tips, long Previous, long ClockMs, int Author)> s_input =
        Gen.Select(s_tip.Array[0, 40], Gen.Long[0, 4_000_000_000_000], Gen.Long[0, 4_000_000_000_000], Gen.Int[0, 2]);

    private readonly TestIdentities _authors = new();

    [Fact]
    public void BuildThenDecode_AnyBranches_RoundTripsToTheSameBytesAndVerifies()
    {
        s_input.Sample(input =>
        {
            var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(input.ClockMs));
            var author = _authors["author" + input.Author];
            var built = StatementBuilder.Build(author, "test", "repo-1", input.Tips, input.Previous, time);

            Assert.True(StatementCodec.TryDecode(built.Statement.Encoded.AsSpan(), out var decoded, out var reason), reason);
            Assert.Equal(built.Statement.Encoded, decoded!.Encoded);
            Assert.Equal(built.Statement.Branches, decoded.Branches);
            Assert.Equal(built.Statement.Sequence, decoded.Sequence);
            Assert.Equal(built.Statement.Digest, decoded.Digest);
            Assert.Null(StatementVerifier.Verify(decoded, author.Id, "repo-1", time.GetUtcNow()));

            // Everything offered is either in the statement or said to be left out, never silently dropped.
            var offered = input.Tips.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var accounted = decoded.Branches.Select(b => b.Name).Concat(built.Omitted.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(offered, accounted);
        }, iter: 300);
    }

    [Fact]
    public void AnySingleByteChange_DecodeOrVerifyFails()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var alice = _authors["alice"];
        var statements = new[]
        {
            StatementBuilder.Build(alice, "test", "repo-1", [], 0, time).Statement,
            StatementBuilder.Build(alice, "test", "repo-1", [new BranchTip("main", Commits.Id(1)), new BranchTip("feature/a", Commits.Id(2))], 0, time).Statement,
            StatementBuilder.Build(alice, "test", "repo-1", Enumerable.Range(0, 30).Select(i => new BranchTip($"topic/{i}", Commits.Id(i + 1))), 0, time).Statement,
        };
        var change = Gen.Int[0, statements.Length - 1].SelectMany(s => Gen.Select(Gen.Const(s), Gen.Int[0, statements[s].Encoded.Length - 1], Gen.Byte[1, 255]));

        change.Sample(c =>
        {
            var (which, at, mask) = c;
            var bytes = statements[which].Encoded.ToArray();
            bytes[at] ^= mask;

            if (StatementCodec.TryDecode(bytes, out var decoded, out _))
            {
                Assert.NotNull(StatementVerifier.Verify(decoded!, alice.Id, "repo-1", time.GetUtcNow()));
            }
        }, iter: 3000);
    }

    [Fact]
    public void AnyProperPrefix_Truncated()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var statement = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [new BranchTip("main", Commits.Id(1))], 0, time).Statement;

        for (var length = 0; length < statement.Encoded.Length; length++)
        {
            Assert.False(StatementCodec.TryDecode(statement.Encoded.AsSpan()[..length], out _, out var reason));
            Assert.Equal(StatementRejection.Truncated, reason);
        }
    }

    [Fact]
    public void TryDecode_RandomBytes_NeverThrows()
    {
        var afterMagic = Gen.Byte.Array[0, 400].Select(tail => (byte[])[.. RawStatement.Magic, .. tail]);
        Gen.Frequency((1, Gen.Byte.Array[0, 400]), (3, afterMagic)).Sample(bytes =>
        {
            var ok = StatementCodec.TryDecode(bytes, out var statement, out var reason);
            Assert.Equal(ok, statement is not null);
            Assert.Equal(ok, reason.Length == 0);
        }, iter: 2000);
    }

    public void Dispose() => _authors.Dispose();
}

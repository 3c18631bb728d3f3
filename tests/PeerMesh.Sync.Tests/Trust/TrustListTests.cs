using PeerMesh.Sync.Trust;
using Xunit;

namespace PeerMesh.Sync.Tests.Trust;

public sealed class TrustListTests
{
    private const string NodeA = "0123456789abcdef0123456789abcdef";
    private const string NodeB = "fedcba9876543210fedcba9876543210";

    [Fact]
    public void TryParse_NoValues_EveryoneTrusted()
    {
        Assert.True(TrustList.TryParse([], out var list, out var error));

        Assert.Null(error);
        Assert.False(list.IsPinned);
        Assert.True(list.IsTrusted(NodeA));
    }

    [Fact]
    public void TryParse_IdsAnyCase_OnlyThoseTrustedLowercase()
    {
        Assert.True(TrustList.TryParse([NodeA.ToUpperInvariant(), $" {NodeA} "], out var list, out _));

        Assert.True(list.IsPinned);
        Assert.Equal([NodeA], list.NodeIds);
        Assert.True(list.IsTrusted(NodeA));
        Assert.False(list.IsTrusted(NodeB));
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("0123456789abcdef")] // a prefix, even a long one, is not an id
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData("")]
    public void TryParse_NotAFullHexId_FailsNamingTheValueOnOneLine(string bad)
    {
        Assert.False(TrustList.TryParse([NodeA, bad], out var list, out var error));

        Assert.Equal($"invalid peermesh.trust '{bad}': expected a node id of 32 hex characters (peermesh status shows each peer's id)", error);
        Assert.False(list.IsPinned);
    }

    [Fact]
    public void TryParse_ControlCharacters_ShownInertly()
    {
        Assert.False(TrustList.TryParse(["bad\nvalue"], out _, out var error));

        Assert.StartsWith("invalid peermesh.trust 'bad?value'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SetEquals_SameIdsOtherOrder_True()
    {
        var one = TrustList.Parse([NodeA, NodeB]);
        var two = TrustList.Parse([NodeB, NodeA.ToUpperInvariant()]);
        var three = TrustList.Parse([NodeA]);

        Assert.True(one.SetEquals(two));
        Assert.False(one.SetEquals(three));
        Assert.False(three.SetEquals(TrustList.Everyone));
    }
}

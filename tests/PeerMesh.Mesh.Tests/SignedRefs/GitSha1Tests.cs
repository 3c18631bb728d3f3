using System.Security.Cryptography;
using CsCheck;
using PeerMesh.Mesh.SignedRefs;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class GitSha1Tests
{
    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    public void Hash_KnownAnswers_MatchTheStandard(string text, string expected)
    {
        Assert.Equal(expected, Convert.ToHexStringLower(GitSha1.Hash(System.Text.Encoding.ASCII.GetBytes(text), [])));
    }

    [Fact]
    public void Hash_AnySplitOfAnyMessage_SameAsTheFrameworksSha1()
    {
        // Lengths around every padding edge (55, 56, 63, 64, 119, 120...) come up often in 0-300.
        Gen.Byte.Array[0, 300].Select(Gen.Int[0, 300]).Sample((bytes, cut) =>
        {
            var split = Math.Min(cut, bytes.Length);
#pragma warning disable CA5350 // the reference to compare with, git's object naming
            Assert.Equal(SHA1.HashData(bytes), GitSha1.Hash(bytes.AsSpan(0, split), bytes.AsSpan(split)));
#pragma warning restore CA5350
        }, iter: 2000);
    }
}

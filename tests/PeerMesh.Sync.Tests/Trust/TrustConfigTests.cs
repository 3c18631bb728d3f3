using LibGit2Sharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using PeerMesh.Sync.Trust;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.TestSupport.Logging;
using Xunit;

namespace PeerMesh.Sync.Tests.Trust;

public sealed class TrustConfigTests
{
    private const string NodeA = "0123456789abcdef0123456789abcdef";
    private const string NodeB = "fedcba9876543210fedcba9876543210";

    private readonly List<string> _values = [];
    private readonly RecordingLogger<TrustConfig> _logger = new();

    private TrustConfig Create() => new(() => [.. _values], _logger);

    [Fact]
    public void Constructor_InvalidValue_ThrowsOneLineMessage()
    {
        _values.Add("nonsense");

        var error = Assert.Throws<FormatException>(Create);

        Assert.StartsWith("invalid peermesh.trust 'nonsense'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_IdAddedThenRemoved_ChangesReported()
    {
        var trust = Create();
        Assert.False(trust.Current.IsPinned);

        _values.Add(NodeA);
        Assert.True(trust.Refresh());
        Assert.False(trust.Current.IsTrusted(NodeB));
        Assert.False(trust.Refresh());

        _values.Clear();
        Assert.True(trust.Refresh());
        Assert.True(trust.Current.IsTrusted(NodeB));
    }

    [Fact]
    public void Refresh_BecomesInvalid_PreviousListKeptAndWarnedOnce()
    {
        _values.Add(NodeA);
        var trust = Create();

        _values.Add("3ff772e3");
        Assert.False(trust.Refresh());
        Assert.False(trust.Refresh());

        Assert.True(trust.Current.IsTrusted(NodeA));
        Assert.False(trust.Current.IsTrusted(NodeB));
        var warning = Assert.Single(_logger.Lines, l => l.Level == LogLevel.Warning);
        Assert.Equal("invalid peermesh.trust '3ff772e3': expected a node id of 32 hex characters (peermesh status shows each peer's id); keeping the previous trust list until it is fixed", warning.Message);

        _values[1] = NodeB;
        Assert.True(trust.Refresh());
        Assert.True(trust.Current.IsTrusted(NodeB));
    }

    [Fact]
    public void Refresh_ConfigUnreadable_ListKept()
    {
        var fail = false;
        _values.Add(NodeA);
        var trust = new TrustConfig(() => fail ? throw new LibGit2SharpException("config locked") : [.. _values], _logger);

        fail = true;

        Assert.False(trust.Refresh());
        Assert.False(trust.Current.IsTrusted(NodeB));
    }

    [Fact]
    public void ForRepository_GitConfigAdd_ReadAgainOnRefresh()
    {
        using var repo = TempRepo.Create();
        var trust = TrustConfig.ForRepository(repo.GitDir, _logger);
        Assert.False(trust.Current.IsPinned);

        Git.Run(repo.WorkDir, "config", "--add", "peermesh.trust", NodeA.ToUpperInvariant());
        Git.Run(repo.WorkDir, "config", "--add", "peermesh.trust", NodeB);

        Assert.True(trust.Refresh());
        Assert.Equal([NodeA, NodeB], trust.Current.NodeIds);
    }
}

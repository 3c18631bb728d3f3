using PeerMesh.Mesh.Options;
using Xunit;

namespace PeerMesh.Mesh.Tests.Options;

public sealed class MeshOptionsTests
{
    [Fact]
    public void Lan_Defaults_MatchDesign()
    {
        var options = MeshOptions.Lan();

        options.Validate();
        Assert.Equal("peermesh", options.MeshId);
        Assert.Equal(9419, options.GossipPort);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ProbeInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ProbeTimeout);
        Assert.Equal(3, options.IndirectChecks);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.GossipInterval);
        Assert.Equal(3, options.GossipFanout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PushPullInterval);
        Assert.Equal(TimeSpan.FromHours(24), options.DeadMemberRetention);
        Assert.Equal(1400, options.MaxDatagramBytes);
        Assert.Equal(TimeSpan.FromHours(24), options.IncarnationTolerance);
        Assert.Equal(TimeSpan.FromHours(1), options.MaxIncarnationLead);
    }

    [Fact]
    public void Validate_IncarnationToleranceNotAboveTheLead_Throws()
    {
        var options = new MeshOptions { IncarnationTolerance = TimeSpan.FromHours(1), MaxIncarnationLead = TimeSpan.FromHours(1) };

        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("IncarnationTolerance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FastTest_Valid() => MeshOptions.FastTest().Validate();

    [Fact]
    public void Validate_ProbeTimeoutNotBelowInterval_Throws()
    {
        var options = new MeshOptions { ProbeTimeout = TimeSpan.FromSeconds(1) };

        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("ProbeTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ShortMeshKey_Throws()
    {
        var options = new MeshOptions { MeshKeys = [new byte[8]] };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Validate_PortOutOfRange_Throws() => Assert.Throws<ArgumentException>(new MeshOptions { GossipPort = 70000 }.Validate);
}

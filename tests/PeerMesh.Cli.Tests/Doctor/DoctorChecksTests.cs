using System.Net;
using System.Net.Sockets;
using PeerMesh.Cli.Doctor;
using PeerMesh.Cli.Settings;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Cli.Tests.Doctor;

public sealed class DoctorChecksTests : IDisposable
{
    private readonly TempRepository _repo = TempRepository.Create();

    public void Dispose() => _repo.Dispose();

    private List<CheckResult> Run(CommandLineSettings flags) => DoctorChecks.Run(_repo.Path, flags).ToList();

    [Fact]
    public void Run_GitPortTaken_Fails()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = Run(new CommandLineSettings { GitPort = port, GossipPort = 0 }).Single(r => r.Check == "git port");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Equal($"TCP {port} is taken", result.Detail);
    }

    [Fact]
    public void Run_GossipPortTaken_Fails()
    {
        using var taken = new UdpClient(new IPEndPoint(IPAddress.Any, 0));
        var port = ((IPEndPoint)taken.Client.LocalEndPoint!).Port;

        var result = Run(new CommandLineSettings { GitPort = 0, GossipPort = port }).Single(r => r.Check == "gossip port");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
    }

    [Fact]
    public void Run_FreePorts_Pass()
    {
        var results = Run(new CommandLineSettings { GitPort = 0, GossipPort = 0 });

        Assert.Equal(CheckOutcome.Pass, results.Single(r => r.Check == "git port").Outcome);
        Assert.Equal(CheckOutcome.Pass, results.Single(r => r.Check == "repository").Outcome);
        Assert.Equal(CheckOutcome.Pass, results.Single(r => r.Check == "git").Outcome);
    }

    [Fact]
    public void Run_MeshKeyReadableByOthers_FailsWithChmodFix()
    {
        var key = Path.Combine(_repo.Root, "mesh.key");
        File.WriteAllText(key, "secret");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var result = Run(new CommandLineSettings { GitPort = 0, GossipPort = 0, MeshKeyFiles = [key] }).Single(r => r.Check == "mesh key");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Equal($"chmod 600 {key}", result.Fix);
    }

    [Fact]
    public void Run_TrustPinned_ListsTheIds()
    {
        _repo.Git("config", "--add", "peermesh.trust", "0123456789ABCDEF0123456789ABCDEF");

        var result = Run(new CommandLineSettings { GitPort = 0, GossipPort = 0 }).Single(r => r.Check == "trust");

        Assert.Equal(CheckResult.Pass("trust", "only 1 pinned node is fetched: 0123456789abcdef0123456789abcdef"), result);
    }

    [Fact]
    public void Run_TrustInvalid_SettingsFailNamingTheValue()
    {
        _repo.Git("config", "--add", "peermesh.trust", "3ff772e3");

        var result = Run(new CommandLineSettings { GitPort = 0, GossipPort = 0 }).Single(r => r.Check == "settings");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.StartsWith("invalid peermesh.trust '3ff772e3'", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NotARepository_FailsButKeepsChecking()
    {
        var dir = Directory.CreateTempSubdirectory("peermesh-doctor-");
        try
        {
            var results = DoctorChecks.Run(dir.FullName, new CommandLineSettings()).ToList();

            Assert.Equal(CheckOutcome.Fail, results.Single(r => r.Check == "repository").Outcome);
            Assert.Contains(results, r => r.Check == "multicast route");
        }
        finally
        {
            dir.Delete();
        }
    }
}

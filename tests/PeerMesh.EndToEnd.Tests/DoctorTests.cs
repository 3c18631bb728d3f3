using System.Diagnostics;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary><c>peermesh doctor</c> on a machine state it must flag: a host without a multicast route.</summary>
public sealed class DoctorTests
{
    [Fact]
    public async Task Doctor_HostWithoutMulticastRoute_FailsThatCheckAndExits1()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("needs root to create a network namespace");
        }

        using var repo = TempRepository.Create();
        var ns = "pm-doc-" + Guid.NewGuid().ToString("N")[..8];
        Run("ip", "netns", "add", ns);
        try
        {
            // A fresh namespace: only lo, down, and no routes at all.
            var (code, stdout, _) = await PeerMeshCli.RunAsync(repo.Path, ["doctor", "--git-port", "0", "--gossip-port", "0"], TestContext.Current.CancellationToken, ["ip", "netns", "exec", ns]);

            Assert.Equal(1, code);
            var route = stdout.Split('\n').Single(l => l.Contains("multicast route", StringComparison.Ordinal));
            Assert.StartsWith("FAIL", route, StringComparison.Ordinal);
            Assert.Contains("ip route add 224.0.0.0/4", route, StringComparison.Ordinal);
            Assert.StartsWith("FAIL", stdout.Split('\n').Single(l => l.Contains("interfaces", StringComparison.Ordinal)), StringComparison.Ordinal);
        }
        finally
        {
            Run("ip", "netns", "delete", ns);
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(file, args);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}

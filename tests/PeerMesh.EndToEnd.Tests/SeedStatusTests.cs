using System.Net;
using System.Net.Sockets;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>The seed joiner's state, as the real executable reports it in <c>status</c> and <c>status --json</c>.</summary>
public sealed class SeedStatusTests : IDisposable
{
    private readonly TempRepository _repo = TempRepository.Create(commits: 1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task Status_SeedWhereNobodyAnswers_NoAnswerWithNextTryInJsonAndText()
    {
        // Holds the port so nothing else answers there; it never answers either.
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var seed = $"127.0.0.1:{((IPEndPoint)silent.Client.LocalEndPoint!).Port}";
        await using var node = NodeProcess.Start(_repo.Path, [.. LoopbackMesh.NodeFlags, "--peer", seed]);

        var status = await node.WaitForStatusAsync(
            s => (string?)s["discovery"]?["seedStatus"]?[0]?["error"] == "no answer",
            TimeSpan.FromSeconds(30),
            Token);
        var (code, text, _) = await PeerMeshCli.RunAsync(_repo.Path, ["status"], Token);

        var json = status["discovery"]!["seedStatus"]![0]!;
        Assert.Equal(seed, (string?)json["seed"]);
        Assert.False((bool)json["joined"]!);
        Assert.True((int)json["attempts"]! >= 2);
        Assert.Equal(seed, (string?)status["discovery"]!["seeds"]![0]);
        Assert.Equal(0, code);
        Assert.Matches($@"discovery mDNS off; seeds {seed.Replace(".", @"\.", StringComparison.Ordinal)} \(no answer; next try (in \d+ s|now)\)", text);
    }
}

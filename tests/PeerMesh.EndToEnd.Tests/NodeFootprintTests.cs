using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// What a node loads while it serves and fetches (issue 15, memory): each assembly left out here was megabytes of every
/// node's RSS (mapped code, and the types and code it brought into the runtime's heaps).
/// </summary>
public sealed class NodeFootprintTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The Generic Host's stack (hosting, DI, configuration, options, console logging), code emitted at run time
    /// (reflection-based JSON, DI's compiled factories), the symbol reader a stack trace with file and line loads, and
    /// the framework's OpenSSL-backed cryptography (random numbers and key creation go through libsodium).
    /// </summary>
    private static readonly string[] s_notInANode =
    [
        "Microsoft.Extensions.Hosting", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.Options", "Microsoft.Extensions.Logging.Console", "Microsoft.AspNetCore",
        "System.Reflection.Emit", "System.Reflection.Metadata", "System.Security.Cryptography",
    ];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Up_ServingAndFetchingFromAPeer_LoadsNoHostingNorEmittedCodeNorOpenSsl()
    {
        using var mine = TempRepository.Create(commits: 1, name: "shop");
        using var theirs = TempRepository.CloneOf(mine, "shop");
        var loadedFile = Path.Combine(mine.GitDirectory, "loaded-assemblies.txt");
        await using var node = NodeProcess.Start(mine.Path, LoopbackMesh.NodeFlags, environment: new Dictionary<string, string> { ["PEERMESH_LOADED_ASSEMBLIES_FILE"] = loadedFile });
        var seed = await LoopbackMesh.GossipPortAsync(node, Token);
        await using var peer = NodeProcess.Start(theirs.Path, [.. LoopbackMesh.NodeFlags, "--peer", $"127.0.0.1:{seed}"]);
        var commit = theirs.Commit("from the peer");
        await Poll.UntilAsync("the node fetched the peer's commit", () => mine.Git("for-each-ref", "refs/remotes").Contains(commit, StringComparison.Ordinal), s_deadline, Token, TimeSpan.FromMilliseconds(100), () => node.Log);

        var (code, _, stderr) = await node.RunAsync(["down", "--all"], Token);
        Assert.True(code == 0, stderr);
        await node.Process.WaitForExitAsync(Token);
        var loaded = await File.ReadAllLinesAsync(loadedFile, Token);

        Assert.Contains("LibGit2Sharp", loaded);
        Assert.Contains("PeerMesh.Discovery", loaded);
        // One known exception: a fetch still running when the node stops is cancelled, and Polly gives the cancellation
        // a stack trace with file and line, which loads the symbol reader as the node ends (seen 1 run in 6 here).
        var stacks = (await File.ReadAllTextAsync(loadedFile + ".stacks", Token)).Split("=== ");
        var unwanted = loaded
            .Where(a => s_notInANode.Any(prefix => a.StartsWith(prefix, StringComparison.Ordinal)))
            .Where(a => !stacks.Any(s => s.StartsWith(a + "\n", StringComparison.Ordinal) && s.Contains("Polly.Utils.ExceptionUtilities.TrySetStackTrace", StringComparison.Ordinal)))
            .ToList();
        var why = stacks.Where(s => unwanted.Any(a => s.StartsWith(a + "\n", StringComparison.Ordinal)));
        Assert.True(unwanted.Count == 0, $"the node loaded {string.Join(", ", unwanted)}; why:\n{string.Join("\n", why)}\nits log:\n{node.Log}");
    }
}

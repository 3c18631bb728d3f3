using System.Diagnostics;
using System.Text.Json.Nodes;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// <c>status</c> as a quick client of the running node (issue 15): it opens no repository and loads none of the node's
/// heavy parts; the node finds the served repository that a folder is in.
/// </summary>
public sealed class StatusClientTests : IAsyncLifetime
{
    /// <summary>What only the node needs: repositories (libgit2), the wire, hosting, the dashboard, keys.</summary>
    private static readonly string[] s_nodeOnly =
        ["LibGit2Sharp", "MessagePack", "PeerMesh.Sync", "PeerMesh.Discovery", "NSec.Cryptography", "Polly.Core", "Microsoft.Extensions.Hosting", "Microsoft.AspNetCore"];

    private readonly TempRepository _shop = TempRepository.Create(commits: 1, name: "shop");
    private readonly TempRepository _web = TempRepository.Create(commits: 1, name: "web");
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("peermesh-status-home-");
    private NodeProcess? _node;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private NodeProcess Node => _node ?? throw new InvalidOperationException("no node");

    public async ValueTask InitializeAsync()
    {
        _node = NodeProcess.Start(_shop.Path, LoopbackMesh.NodeFlags, home: _home.FullName);
        await _node.WaitUntilUpAsync(Token);
        var (code, _, stderr) = await _node.RunAsync(["up", _web.Path], Token);
        Assert.True(code == 0, $"up {_web.Path}: exit {code}: {stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        _shop.Dispose();
        _web.Dispose();
        _home.Delete(recursive: true);
    }

    [Fact]
    public async Task StatusJson_InAServedRepository_LoadsNoneOfTheNodesAssembliesNorTheTableRenderer()
    {
        var (code, stdout, loaded) = await RunTracedAsync(_shop.Path, ["status", "--json"]);

        Assert.Equal(0, code);
        Assert.Equal(_shop.Path, (string?)JsonNode.Parse(stdout)!["repos"]![0]!["localPath"]);
        Assert.Contains("System.Net.Sockets", loaded);
        Assert.DoesNotContain(loaded, a => s_nodeOnly.Any(a.StartsWith) || a == "Spectre.Console" || a.StartsWith("System.Reflection.Emit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatusTable_InAServedRepository_LoadsNoneOfTheNodesAssemblies()
    {
        var (code, stdout, loaded) = await RunTracedAsync(_shop.Path, ["status"]);

        Assert.Equal(0, code);
        Assert.Contains($"shop served at git://127.0.0.1:", stdout, StringComparison.Ordinal);
        Assert.Contains("Spectre.Console", loaded);
        Assert.DoesNotContain(loaded, a => s_nodeOnly.Any(a.StartsWith));
    }

    [Fact]
    public async Task Status_InAFolderInsideAServedRepository_ShowsThatRepositoryOnly()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_web.Path, "docs", "deep")).FullName;

        var (code, stdout, stderr) = await Node.RunAsync(["status", "--json"], Token, folder);

        Assert.True(code == 0, stderr);
        var repos = JsonNode.Parse(stdout)!["repos"]!.AsArray();
        Assert.Equal(new string?[] { _web.Path }, repos.Select(r => (string?)r!["localPath"]));
    }

    [Fact]
    public async Task Status_PathInsideAServedRepository_ShowsThatRepository()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_shop.Path, "src")).FullName;

        var (code, stdout, stderr) = await Node.RunAsync(["status", "--json", folder], Token, _web.Path);

        Assert.True(code == 0, stderr);
        Assert.Equal(new string?[] { _shop.Path }, JsonNode.Parse(stdout)!["repos"]!.AsArray().Select(r => (string?)r!["localPath"]));
    }

    [Fact]
    public async Task Status_InAnUnservedRepository_ShowsEveryServedRepository()
    {
        using var other = TempRepository.Create(commits: 1, name: "other");

        var (code, stdout, stderr) = await Node.RunAsync(["status", "--json"], Token, other.Path);

        Assert.True(code == 0, stderr);
        Assert.Equal(
            new string?[] { _shop.Path, _web.Path }.Order(StringComparer.Ordinal),
            JsonNode.Parse(stdout)!["repos"]!.AsArray().Select(r => (string?)r!["localPath"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Status_PathsThatAreNotServed_Exit2OneLine()
    {
        using var other = TempRepository.Create(commits: 1, name: "other");
        var plain = Directory.CreateDirectory(Path.Combine(_home.FullName, "plain")).FullName;
        var missing = Path.Combine(_home.FullName, "missing");

        foreach (var (path, expected) in new[]
        {
            (plain, $"{plain} is not inside a git repository"),
            (missing, $"{missing}: no such directory"),
            (Path.Combine(other.Path, "."), $"{other.Path} is not served by this node; add it with 'peermesh up'"),
        })
        {
            var (code, stdout, stderr) = await Node.RunAsync(["status", path], Token, _shop.Path);

            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Equal($"peermesh: {expected}\n", stderr);
        }
    }

    /// <summary>Runs the command with the executable's list of loaded assemblies written to a file; returns that list.</summary>
    private async Task<(int Code, string Stdout, IReadOnlyList<string> Loaded)> RunTracedAsync(string directory, string[] args)
    {
        var list = Path.Combine(_home.FullName, $"loaded-{Guid.NewGuid():N}.txt");
        var info = PeerMeshCli.StartInfo(directory, args, home: _home.FullName);
        info.Environment["PEERMESH_LOADED_ASSEMBLIES_FILE"] = list;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        Assert.True(process.ExitCode == 0, $"peermesh {string.Join(' ', args)}: exit {process.ExitCode}: {await stderr}");
        return (process.ExitCode, await stdout, await File.ReadAllLinesAsync(list, Token));
    }
}

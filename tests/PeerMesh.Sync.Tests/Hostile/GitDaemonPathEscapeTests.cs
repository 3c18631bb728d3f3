using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 37 against the real git daemon: <c>~user</c> paths and symlinks inside the served
/// repository pointing at another repository are refused, without saying what exists.
/// </summary>
public sealed class GitDaemonPathEscapeTests : IAsyncLifetime
{
    private readonly TempRepository _repo = TempRepository.Create(commits: 1);
    private readonly TempRepository _secret = TempRepository.Create(commits: 1, name: "secret");
    private GitDaemonSupervisor? _supervisor;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_supervisor is not null)
        {
            await _supervisor.DisposeAsync();
        }

        _repo.Dispose();
        _secret.Dispose();
    }

    [Fact]
    public async Task Serve_SymlinksToAnotherRepository_Refused()
    {
        var secretHead = _secret.Commit("only in the other repository");
        // Links inside the served .git directory and in its work tree, to the other repository and its .git.
        File.CreateSymbolicLink(Path.Combine(_repo.GitDirectory, "escape"), _secret.GitDirectory);
        File.CreateSymbolicLink(Path.Combine(_repo.GitDirectory, "escape.git"), _secret.Path);
        File.CreateSymbolicLink(Path.Combine(_repo.Path, "worktree-escape"), _secret.GitDirectory);
        var port = await StartAsync();

        string[] paths = ["/escape", "/escape/", "/escape.git", "/escape.git/.git", "/../worktree-escape", "/.git/../../secret/.git", _secret.GitDirectory];
        foreach (var path in paths)
        {
            var result = GitCli.TryRun(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}{path}");

            Assert.True(result.ExitCode != 0, $"{path} was served: {result.Stdout}");
            Assert.DoesNotContain(secretHead, result.Stdout + result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(_secret.Path, result.Stderr, StringComparison.Ordinal);
        }

        // The served repository itself still works.
        Assert.Contains(_repo.Head(), GitCli.Run(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_TildeUserPaths_RefusedAlike()
    {
        var port = await StartAsync();

        var root = GitCli.TryRun(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}/~root");
        var nobody = GitCli.TryRun(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}/~nobody/x");
        var missing = GitCli.TryRun(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}/~no-such-user-here");

        Assert.NotEqual(0, root.ExitCode);
        Assert.NotEqual(0, nobody.ExitCode);
        Assert.NotEqual(0, missing.ExitCode);
        // Existing and missing users get the same answer: nothing to learn about the host.
        Assert.Equal(Redact(missing.Stderr, "~no-such-user-here"), Redact(root.Stderr, "~root"));
    }

    private static string Redact(string text, string path) => text.Replace(path, "PATH", StringComparison.Ordinal);

    private async Task<int> StartAsync()
    {
        var state = Path.Combine(_repo.GitDirectory, "peermesh");
        Directory.CreateDirectory(state);
        _supervisor = new GitDaemonSupervisor(new GitDaemonOptions { Listen = IPAddress.Loopback, Port = 0 }, _repo.GitDirectory, state, TimeProvider.System, NullLogger<GitDaemonSupervisor>.Instance);
        await _supervisor.StartAsync(TestContext.Current.CancellationToken);
        return _supervisor.Status.Port;
    }
}

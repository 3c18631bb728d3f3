using System.Diagnostics.CodeAnalysis;
using PeerMesh.Sync.Serving;
using PeerMesh.Sync.Tests.Serving;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 37 against the real git daemon serving several repositories by name: nothing but the served
/// repositories themselves is reachable (not <c>..</c>, absolute paths, <c>~user</c>, symlinks out of a served
/// repository, submodule or worktree git directories inside one, another served repository's subfolders, a name that
/// is a prefix of another, what someone else put in the serve folder), and a refusal never says what exists.
/// </summary>
public sealed class GitDaemonPathEscapeTests : IAsyncLifetime
{
    private const string Refused = "access denied or repository not exported";

    private readonly ServingHome _home = new();
    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "Made by the serving home, which disposes the repositories it made.")]
    private TempRepository _shop = null!;
    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "Made by the serving home, which disposes the repositories it made.")]
    private TempRepository _web = null!;
    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "Made by the serving home, which disposes the repositories it made.")]
    private TempRepository _secret = null!;
    private string _secretHead = "";

    public async ValueTask InitializeAsync()
    {
        _shop = _home.NewRepository("shop", commits: 1);
        _web = _home.NewRepository("web", commits: 2);
        _secret = _home.NewRepository("secret", commits: 1);
        _secretHead = _secret.Commit("only in the repository that is not served");
        await _home.ServeAsync(("shop", _shop.GitDirectory), ("web", _web.GitDirectory));
        await _home.StartAsync();
    }

    public ValueTask DisposeAsync() => _home.DisposeAsync();

    [Fact]
    public void Serve_SymlinksOutOfAServedRepository_Refused()
    {
        // Links inside a served .git directory and in its work tree, to the other repository and its .git.
        File.CreateSymbolicLink(Path.Combine(_shop.GitDirectory, "escape"), _secret.GitDirectory);
        File.CreateSymbolicLink(Path.Combine(_shop.GitDirectory, "escape.git"), _secret.Path);
        File.CreateSymbolicLink(Path.Combine(_shop.Path, "worktree-escape"), _secret.GitDirectory);

        AssertRefused(
            "/shop/escape", "/shop/escape/", "/shop/escape.git", "/shop/escape.git/.git", "/shop/../worktree-escape",
            "/shop/.git/../../secret/.git", "/../secret", _secret.GitDirectory, "/" + _secret.GitDirectory);
        Assert.Contains(_shop.Head(), _home.LsRemote("/shop").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_DotDotFromANameToAnother_Refused()
    {
        AssertRefused("/shop/../web", "/web/../shop", "/shop/..", "/shop/../secret", "/shop/./", "//shop", "/./shop", "/shop/.", "/..", "/");
    }

    [Fact]
    public void Serve_TildeUserPaths_RefusedAlike()
    {
        var root = _home.LsRemote("/~root");
        var nobody = _home.LsRemote("/~nobody/x");
        var missing = _home.LsRemote("/~no-such-user-here");
        var tilde = GitCli.TryRun(_home.Directory, "ls-remote", $"git://127.0.0.1:{_home.Port}/~root/shop");

        Assert.All([root, nobody, missing, tilde], r => Assert.NotEqual(0, r.ExitCode));
        // Existing and missing users get the same answer: nothing to learn about the host.
        Assert.Equal(Redact(missing.Stderr, "~no-such-user-here"), Redact(root.Stderr, "~root"));
    }

    [Fact]
    public void Serve_SubmoduleAndWorktreeGitDirectoriesInsideAServedRepository_Refused()
    {
        var submodule = _home.NewRepository("lib", commits: 1);
        GitCli.Run(_shop.Path, "-c", "protocol.file.allow=always", "submodule", "add", "-q", submodule.Path, "lib");
        _shop.Git("commit", "-q", "-m", "submodule");
        _shop.Git("worktree", "add", "-q", "-b", "side", Path.Combine(_shop.Root, "side"));
        Assert.True(Directory.Exists(Path.Combine(_shop.GitDirectory, "modules", "lib")));
        Assert.True(Directory.Exists(Path.Combine(_shop.GitDirectory, "worktrees", "side")));

        AssertRefused("/shop/modules/lib", "/shop/modules/lib/", "/shop/worktrees/side", "/shop/.git", "/shop/lib", "/shop/refs", "/shop/objects");
        foreach (var path in new[] { "/shop/modules/lib", "/shop/worktrees/side" })
        {
            Assert.DoesNotContain(submodule.Head(), _home.LsRemote(path).Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_NameAPrefixOfAnother_EachPathExactlyItsOwnRepository()
    {
        var shop2 = _home.NewRepository("shop2", commits: 3);
        var shopping = _home.NewRepository("shopping", commits: 4);
        await _home.ServeAsync(("shop", _shop.GitDirectory), ("shop-2", shop2.GitDirectory), ("shopping", shopping.GitDirectory));

        Assert.Equal(_shop.Head(), Head("/shop"));
        Assert.Equal(_shop.Head(), Head("/shop/"));
        Assert.Equal(shop2.Head(), Head("/shop-2"));
        Assert.Equal(shopping.Head(), Head("/shopping"));
        AssertRefused("/sho", "/shop-", "/shop-2x", "/shopp", "/shop.git", "/shop-2.git", "/shop/-2", "/SHOP", "/web", "/shop/.git");
    }

    /// <summary>
    /// The serve folder is ours; what someone else puts there (a link, a repository folder, a gitfile) is not served,
    /// and neither is one of our links pointed elsewhere behind our back.
    /// </summary>
    [Fact]
    public void Serve_LinkFolderOrGitfilePlantedInTheServeFolder_NotServed()
    {
        File.CreateSymbolicLink(Path.Combine(_home.ServeFolder, "planted"), _secret.GitDirectory);
        GitCli.Run(_home.ServeFolder, "clone", "-q", "--bare", _secret.Path, Path.Combine(_home.ServeFolder, "folder"));
        File.WriteAllText(Path.Combine(_home.ServeFolder, "gitfile"), $"gitdir: {_secret.GitDirectory}\n");
        // Our own link for web, pointed at the other repository; and its list line left as it is.
        var web = Path.Combine(_home.ServeFolder, "web");
        File.Delete(web);
        File.CreateSymbolicLink(web, _secret.GitDirectory);

        AssertRefused("/planted", "/folder", "/gitfile", "/web", "/planted.git", "/folder.git");
        Assert.Equal(_shop.Head(), Head("/shop"));
    }

    /// <summary>Our link replaced by a gitfile naming another repository (git daemon follows gitfiles): refused.</summary>
    [Fact]
    public void Serve_ServedNameReplacedByAGitfile_Refused()
    {
        var web = Path.Combine(_home.ServeFolder, "web");
        File.Delete(web);
        File.WriteAllText(web, $"gitdir: {_secret.GitDirectory}\n");

        AssertRefused("/web");
    }

    /// <summary>The list names what may be served; a line added to it by hand still has to be what the name's link enters.</summary>
    [Fact]
    public void Serve_LineAddedToTheListForAPlantedLink_NotServedUnlessTheLinkEntersIt()
    {
        File.CreateSymbolicLink(Path.Combine(_home.ServeFolder, "planted"), _secret.GitDirectory);
        File.AppendAllText(Path.Combine(_home.Directory, "serve.list"), $"planted\t{_web.GitDirectory}\n");

        AssertRefused("/planted");
    }

    [Fact]
    public async Task SetServedAsync_NameHeldByAFolderSomeoneElsePutThere_ClearErrorNothingChanges()
    {
        var folder = Path.Combine(_home.ServeFolder, "docs");
        Directory.CreateDirectory(folder);
        var docs = _home.NewRepository("docs");

        var error = await Assert.ThrowsAsync<ServeException>(() => _home.ServeAsync(("shop", _shop.GitDirectory), ("docs", docs.GitDirectory)));

        Assert.Equal($"cannot serve {docs.GitDirectory} as docs: {folder} is in the way (not made by PeerMesh; move it away)", error.Message);
        Assert.True(Directory.Exists(folder));
        Assert.Equal(_web.Head(), Head("/web"));
    }

    [Fact]
    public void Serve_PushAndArchive_RefusedEvenWhenEachRepositoryEnablesThem()
    {
        foreach (var (name, repository) in new[] { ("shop", _shop), ("web", _web) })
        {
            repository.Git("config", "daemon.receivepack", "true");
            repository.Git("config", "daemon.uploadarch", "true");
            repository.Git("config", "daemon.uploadpack", "true");
            var clone = Path.Combine(_home.Directory, "clone-" + name);
            GitCli.Run(_home.Directory, "clone", "-q", _home.Url(name), clone);
            GitCli.Run(clone, "commit", "-q", "--allow-empty", "-m", "pushed");
            var before = repository.RefsSnapshot();

            var push = GitCli.TryRun(clone, "push", "origin", "HEAD:refs/heads/pushed");
            var archive = GitCli.TryRun(clone, "archive", "--remote", _home.Url(name), "HEAD");

            Assert.NotEqual(0, push.ExitCode);
            Assert.NotEqual(0, archive.ExitCode);
            Assert.Equal(before, repository.RefsSnapshot());
        }
    }

    private string Head(string path)
    {
        var result = _home.LsRemote(path);
        Assert.True(result.ExitCode == 0, $"{path} refused: {result.Stderr}");
        return result.Stdout.Split('\t')[0];
    }

    private void AssertRefused(params string[] paths)
    {
        foreach (var path in paths)
        {
            var result = _home.LsRemote(path);

            Assert.True(result.ExitCode != 0, $"{path} was served: {result.Stdout}");
            Assert.DoesNotContain(_secretHead, result.Stdout + result.Stderr, StringComparison.Ordinal);
            // Refused without saying what exists on the server (the answer repeats only the path asked for).
            var answer = Redact(result.Stderr, path);
            Assert.Contains(Refused, answer, StringComparison.Ordinal);
            Assert.DoesNotContain(_home.Directory, answer, StringComparison.Ordinal);
            Assert.DoesNotContain(_secret.Root, answer, StringComparison.Ordinal);
        }
    }

    private static string Redact(string text, string path) => text.Replace(path, "PATH", StringComparison.Ordinal);
}

using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

/// <summary>
/// A node home in a temp folder with a <see cref="GitDaemonSupervisor"/> on loopback (port 0) and the repositories a
/// test serves from it; everything ended and deleted on dispose.
/// </summary>
internal sealed class ServingHome : IAsyncDisposable
{
    private readonly List<TempRepository> _repositories = [];

    public ServingHome(GitDaemonOptions? options = null, TimeProvider? time = null, ILogger<GitDaemonSupervisor>? logger = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "peermesh-home-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        options ??= new GitDaemonOptions();
        options.Listen = IPAddress.Loopback;
        options.Port = 0;
        Supervisor = new GitDaemonSupervisor(options, Directory, time ?? TimeProvider.System, logger ?? NullLogger<GitDaemonSupervisor>.Instance);
    }

    public string Directory { get; }

    public GitDaemonSupervisor Supervisor { get; }

    public int Port => Supervisor.Status.Port;

    public string ServeFolder => Path.Combine(Directory, "serve");

    public string PidFile => Path.Combine(Directory, "git-daemon.pid");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A new repository with <paramref name="commits"/> commits, deleted with the home.</summary>
    public TempRepository NewRepository(string name, int commits = 1)
    {
        var repository = TempRepository.Create(commits, name);
        _repositories.Add(repository);
        return repository;
    }

    /// <summary>A bare clone of <paramref name="source"/> in a folder named <paramref name="folder"/>; returns its path.</summary>
    public string NewBareClone(TempRepository source, string folder)
    {
        var holder = NewRepository("holder");
        var path = Path.Combine(holder.Root, folder);
        GitCli.Run(holder.Root, "clone", "-q", "--bare", source.Path, path);
        return path;
    }

    public Task StartAsync() => Supervisor.StartAsync(Token);

    /// <summary>Serves the repositories with every branch shared (as a node's Sync would say with no <c>peermesh.share</c>).</summary>
    public Task ServeAsync(params (string Name, string GitDirectory)[] served)
    {
        foreach (var (_, gitDirectory) in served)
        {
            ShareAll(gitDirectory);
        }

        return Supervisor.SetServedAsync(served.ToDictionary(s => s.Name, s => s.GitDirectory), Token);
    }

    /// <summary>The daemon advertises every branch of the repository and HEAD (what a Sync writes when all are shared).</summary>
    public void ShareAll(string gitDirectory)
    {
        var file = ServedRefs.FileFor(Directory, gitDirectory);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "[uploadpack]\n\thideRefs = !refs/heads/\n\thideRefs = !HEAD\n");
    }

    public string Url(string name) => $"git://127.0.0.1:{Port}/{name}";

    /// <summary>Runs <c>git ls-remote</c> of a served path (<c>/NAME</c>, or anything a client could send).</summary>
    public (int ExitCode, string Stdout, string Stderr) LsRemote(string path) =>
        GitCli.TryRun(Directory, "ls-remote", $"git://127.0.0.1:{Port}{path}");

    /// <summary>Clones <paramref name="name"/> with stock git into a new folder; returns the clone's HEAD commit.</summary>
    public string CloneHead(string name)
    {
        var target = Path.Combine(Directory, "clones", name + "-" + Guid.NewGuid().ToString("N")[..6]);
        GitCli.Run(Directory, "clone", "-q", Url(name), target);
        return GitCli.Run(target, "rev-parse", "HEAD").Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await Supervisor.DisposeAsync();
        foreach (var repository in _repositories)
        {
            repository.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

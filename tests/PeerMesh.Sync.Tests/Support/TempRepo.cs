using System.Security.Cryptography;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>A real git repository in a temp folder, deleted on dispose.</summary>
internal sealed class TempRepo : IDisposable
{
    private int _counter;

    private TempRepo(string root, string workDir)
    {
        Root = root;
        WorkDir = workDir;
    }

    /// <summary>The temp folder holding the repository (and anything else the test puts there).</summary>
    public string Root { get; }

    public string WorkDir { get; }

    public string GitDir => Path.Combine(WorkDir, ".git");

    /// <summary>A new repository with branch main and one commit.</summary>
    public static TempRepo Create(string name = "repo")
    {
        var root = Path.Combine(Path.GetTempPath(), "peermesh-sync-" + Guid.NewGuid().ToString("N")[..12]);
        var workDir = Path.Combine(root, name);
        Directory.CreateDirectory(workDir);
        Git.Run(workDir, "init", "-q", "-b", "main");
        var repo = new TempRepo(root, workDir);
        repo.Commit("initial");
        return repo;
    }

    /// <summary>A clone of <paramref name="source"/> (same root commit, so the same repo id).</summary>
    public static TempRepo CloneOf(TempRepo source, string name = "clone")
    {
        var root = Path.Combine(Path.GetTempPath(), "peermesh-sync-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var workDir = Path.Combine(root, name);
        Git.Run(root, "clone", "-q", source.WorkDir, workDir);
        Git.Run(workDir, "remote", "remove", "origin");
        return new TempRepo(root, workDir);
    }

    /// <summary>Writes a file and commits it; returns the new commit id.</summary>
    public string Commit(string message, string? file = null, string? content = null)
    {
        var index = Interlocked.Increment(ref _counter);
        File.WriteAllText(Path.Combine(WorkDir, file ?? $"file{index}.txt"), content ?? $"{message} {index}\n");
        Git.Run(WorkDir, "add", "-A");
        Git.Run(WorkDir, "commit", "-q", "-m", message);
        return Head();
    }

    public string Head() => Git.Run(WorkDir, "rev-parse", "HEAD");

    public string RootCommit() => Git.Run(WorkDir, "rev-list", "--max-parents=0", "HEAD");

    /// <summary>The full id a ref points at, or null.</summary>
    public string? RefTarget(string refName)
    {
        try
        {
            return Git.Run(WorkDir, "rev-parse", "--verify", "-q", refName);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Every ref with its target, for before/after comparisons.</summary>
    public string AllRefs() => Git.Run(WorkDir, "for-each-ref", "--format=%(refname) %(objectname)");

    /// <summary>
    /// A fingerprint of everything a fetch must never change: the working tree files, the index, HEAD, local
    /// branches, tags, config minus remotes, hooks.
    /// </summary>
    public string Fingerprint(bool includeConfig = true)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(WorkDir, "*", SearchOption.AllDirectories)
                     .Where(f => !f.StartsWith(GitDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(file));
            sha.AppendData(File.ReadAllBytes(file));
        }

        foreach (var path in new[] { "index", "HEAD" })
        {
            var full = Path.Combine(GitDir, path);
            if (File.Exists(full))
            {
                sha.AppendData(File.ReadAllBytes(full));
            }
        }

        var hooks = Path.Combine(GitDir, "hooks");
        if (Directory.Exists(hooks))
        {
            foreach (var file in Directory.EnumerateFiles(hooks).Order(StringComparer.Ordinal))
            {
                sha.AppendData(File.ReadAllBytes(file));
            }
        }

        var localRefs = Git.Run(WorkDir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags");
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(localRefs));
        if (includeConfig)
        {
            var config = string.Join('\n', File.ReadAllLines(Path.Combine(GitDir, "config")));
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(config));
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }

    public void Dispose()
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }

            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

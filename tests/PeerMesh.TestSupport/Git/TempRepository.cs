namespace PeerMesh.TestSupport.Git;

/// <summary>A real git repository in a temp folder, deleted on dispose. Commits use a fixed identity.</summary>
public sealed class TempRepository : IDisposable
{
    private TempRepository(string root, string path)
    {
        Root = root;
        Path = path;
    }

    /// <summary>The temp folder holding the repository (and anything else the test puts there).</summary>
    public string Root { get; }

    /// <summary>The work tree.</summary>
    public string Path { get; }

    public string GitDirectory => System.IO.Path.Combine(Path, ".git");

    /// <summary>A new repository on branch main with <paramref name="commits"/> commits.</summary>
    public static TempRepository Create(int commits = 1, string name = "repo")
    {
        var root = NewTempFolder();
        var path = System.IO.Path.Combine(root, name);
        Directory.CreateDirectory(path);
        var repo = new TempRepository(root, path);
        repo.Git("init", "-q", "-b", "main");
        for (var i = 0; i < commits; i++)
        {
            repo.Commit($"commit {i}");
        }

        return repo;
    }

    /// <summary>A clone of <paramref name="source"/> in its own temp folder.</summary>
    public static TempRepository CloneOf(TempRepository source, string name = "clone")
    {
        var root = NewTempFolder();
        var path = System.IO.Path.Combine(root, name);
        GitCli.Run(root, "clone", "-q", source.Path, path);
        return new TempRepository(root, path);
    }

    /// <summary>A <c>git clone --depth</c> of <paramref name="source"/> (over file://: a plain path ignores the depth).</summary>
    public static TempRepository ShallowCloneOf(TempRepository source, int depth, string name = "shallow")
    {
        var root = NewTempFolder();
        var path = System.IO.Path.Combine(root, name);
        GitCli.Run(root, "clone", "-q", "--depth", depth.ToString(System.Globalization.CultureInfo.InvariantCulture), new Uri(source.Path).AbsoluteUri, path);
        return new TempRepository(root, path);
    }

    public string Git(params string[] args) => GitCli.Run(Path, args);

    /// <summary>Writes a file named after the message and commits it; returns the new commit id.</summary>
    public string Commit(string message, string? branch = null)
    {
        if (branch is not null)
        {
            Git("checkout", "-q", "-B", branch);
        }

        var file = System.IO.Path.Combine(Path, "file-" + Guid.NewGuid().ToString("N")[..8] + ".txt");
        File.WriteAllText(file, message + "\n");
        Git("add", "-A");
        Git("commit", "-q", "-m", message);
        return Head();
    }

    public string Head() => RevParse("HEAD");

    public string RevParse(string rev) => Git("rev-parse", rev).Trim();

    /// <summary>The commit <paramref name="rev"/> names, or null if it names nothing.</summary>
    public string? TryRevParse(string rev)
    {
        var (code, stdout, _) = GitCli.TryRun(Path, "rev-parse", "--verify", "--quiet", rev);
        return code == 0 ? stdout.Trim() : null;
    }

    /// <summary>Local branches and tags with their targets: what a peer must never change.</summary>
    public string LocalRefs() => Git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags");

    /// <summary>Every ref and what it points to, for "nothing was changed" assertions.</summary>
    public string RefsSnapshot() => Git("for-each-ref", "--format=%(refname) %(objectname)");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string NewTempFolder()
    {
        var root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "peermesh-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        return root;
    }
}

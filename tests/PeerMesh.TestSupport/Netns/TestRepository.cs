namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// A source repository made with a fixed signature and date (so its root commit, PeerMesh's repo id, is the same in
/// every run), from which each host gets its own clone. Git runs isolated from the machine's config.
/// </summary>
public sealed class TestRepository
{
    public const string AuthorName = "PeerMesh Test";

    public const string AuthorEmail = "test@peermesh.invalid";

    public const string FixedDate = "2024-01-01T00:00:00Z";

    public const string Branch = "main";

    private TestRepository(string path, string rootCommit)
    {
        Path = path;
        RootCommit = rootCommit;
    }

    public string Path { get; }

    /// <summary>The first commit; PeerMesh derives the repo id from it.</summary>
    public string RootCommit { get; }

    /// <summary>The environment every git call of the tests uses: fixed identity and date, no user or system config.</summary>
    public static IReadOnlyDictionary<string, string?> GitEnvironment { get; } = new Dictionary<string, string?>
    {
        ["GIT_AUTHOR_NAME"] = AuthorName,
        ["GIT_AUTHOR_EMAIL"] = AuthorEmail,
        ["GIT_AUTHOR_DATE"] = FixedDate,
        ["GIT_COMMITTER_NAME"] = AuthorName,
        ["GIT_COMMITTER_EMAIL"] = AuthorEmail,
        ["GIT_COMMITTER_DATE"] = FixedDate,
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_TERMINAL_PROMPT"] = "0",
    };

    /// <summary>Makes the source repository in <paramref name="directory"/> with one commit on main.</summary>
    public static async Task<TestRepository> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await GitAsync(directory, cancellationToken, "init", "--quiet", "--initial-branch", Branch);
        await File.WriteAllTextAsync(System.IO.Path.Combine(directory, "README.md"), "# PeerMesh test repository\n", cancellationToken);
        await GitAsync(directory, cancellationToken, "add", "README.md");
        await GitAsync(directory, cancellationToken, "commit", "--quiet", "-m", "Initial commit");
        var root = await GitAsync(directory, cancellationToken, "rev-parse", "HEAD");
        return new TestRepository(directory, root);
    }

    /// <summary>Clones the source into the host's folder ("hN/repo") and returns the clone's path.</summary>
    public Task<string> CloneForAsync(NetnsHost host, CancellationToken cancellationToken) =>
        CloneToAsync(System.IO.Path.Combine(host.WorkDirectory, "repo"), cancellationToken);

    public async Task<string> CloneToAsync(string destination, CancellationToken cancellationToken)
    {
        await GitAsync(System.IO.Path.GetDirectoryName(destination)!, cancellationToken, "clone", "--quiet", "--no-hardlinks", Path, destination);
        // The source stands for the central server that is down: peers must not fall back to it.
        await GitAsync(destination, cancellationToken, "remote", "remove", "origin");
        return destination;
    }

    /// <summary>Writes a file and commits it on the current branch; returns the new commit id.</summary>
    public static async Task<string> CommitFileAsync(
        string repository,
        string file,
        string content,
        string message,
        CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(System.IO.Path.Combine(repository, file), content, cancellationToken);
        await GitAsync(repository, cancellationToken, "add", "--", file);
        await GitAsync(repository, cancellationToken, "commit", "--quiet", "-m", message);
        return await GitAsync(repository, cancellationToken, "rev-parse", "HEAD");
    }

    /// <summary>Runs git in <paramref name="repository"/>; returns trimmed stdout, throws on failure.</summary>
    public static async Task<string> GitAsync(string repository, CancellationToken cancellationToken, params string[] args)
    {
        var result = await CommandRunner.RunAsync(
            CommandRunner.FindTool("git"), args, repository, GitEnvironment, TimeSpan.FromSeconds(60), cancellationToken);
        result.EnsureSuccess("git " + string.Join(' ', args));
        return result.Stdout.Trim();
    }
}

using System.Net;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// One `peermesh up` on one host, serving the host's clone. Knows how to start, read `status --json`, stop with
/// `down`, kill -9, restart (same or new address) and to look at the clone's refs and working tree.
/// </summary>
public sealed class PeerMeshNode
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(30);

    private readonly NetnsTestBed _bed;
    private readonly IReadOnlyList<string> _command;
    private PeerMeshNodeOptions _options = new();

    /// <summary>A node on <paramref name="host"/> serving <paramref name="repositoryPath"/>, run by <paramref name="command"/>
    /// (an argv prefix; default `dotnet peermesh.dll`, a stub in the harness's own tests); <paramref name="bed"/> moves its address.</summary>
    public PeerMeshNode(NetnsTestBed bed, NetnsHost host, string repositoryPath, IReadOnlyList<string>? command = null, string? home = null)
    {
        _bed = bed;
        _command = command ?? PeerMeshExecutable.Command();
        Host = host;
        RepositoryPath = repositoryPath;
        Home = home ?? Processes.PeerMeshCli.HomeFor(repositoryPath);
    }

    /// <summary>The node's home (PEERMESH_HOME of every command run for it).</summary>
    public string Home { get; }

    private Dictionary<string, string?> Environment => new() { ["PEERMESH_HOME"] = Home };

    public NetnsHost Host { get; }

    public string RepositoryPath { get; }

    /// <summary>The node name passed with --name ("h1".."h10").</summary>
    public string Name => Host.Name;

    /// <summary>The running (or last) `up` process; null before the first start.</summary>
    public NetnsProcess? Process { get; private set; }

    /// <summary>The node id and gossip port, from the first status after start.</summary>
    public string? Id { get; private set; }

    public int GossipPort { get; private set; }

    /// <summary>HOST:PORT of this node's gossip endpoint, for another node's --peer.</summary>
    public string GossipEndpoint => $"{Host.Address}:{GossipPort}";

    /// <summary>The JSON of the latest successful status call (for failure messages).</summary>
    public string? LastStatusJson { get; private set; }

    /// <summary>
    /// Starts `up` and waits until `status --json` answers with the v1 contract. Throws with the node's output when
    /// the process exits or status never answers (e.g. the executable does not implement the commands yet).
    /// </summary>
    public async Task<MeshStatus> StartAsync(PeerMeshNodeOptions options, TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        _options = options;
        string[] args =
        [
            "up", RepositoryPath,
            .. options.EveryAddress ? Array.Empty<string>() : ["--listen", Host.Address.ToString()],
            "--git-port", "0",
            "--gossip-port", "0",
            "--name", Name,
            .. options.Peers.SelectMany(p => new[] { "--peer", p }),
            .. options.NoMdns ? new[] { "--no-mdns" } : [],
            .. options.ExtraArgs,
        ];
        var process = Host.StartProcess([.. _command, .. args], "peermesh", RepositoryPath, Environment);
        Process = process;
        MeshStatus? status = null;
        string lastError = "no status yet";
        try
        {
            await Poll.UntilAsync(
                $"`peermesh status --json` on {Host} answers the v1 contract",
                async ct =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException(
                            $"`peermesh up` on {Host} exited with code {process.ExitCode} before answering status. "
                            + $"stdout: {Tail(process.ReadStdout())} stderr: {Tail(process.ReadStderr())}");
                    }

                    (status, lastError) = await TryStatusAsync(ct);
                    return status is not null;
                },
                readyTimeout,
                cancellationToken,
                TimeSpan.FromMilliseconds(200),
                () => $"last answer: {lastError}. up stderr: {Tail(process.ReadStderr())}");
        }
        catch
        {
            await process.KillAsync(CancellationToken.None);
            throw;
        }

        Id = status!.Node.Id;
        GossipPort = status.Node.GossipPort;
        return status;
    }

    /// <summary>The current status; throws when the node does not answer with the v1 contract.</summary>
    public async Task<MeshStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var (status, error) = await TryStatusAsync(cancellationToken);
        return status ?? throw new InvalidOperationException($"status of {Host}: {error}");
    }

    /// <summary>The current status, or null and why not.</summary>
    public async Task<(MeshStatus? Status, string Error)> TryStatusAsync(CancellationToken cancellationToken)
    {
        CommandResult result;
        try
        {
            result = await Host.RunAsync(
                [.. _command, "status", "--json", RepositoryPath], RepositoryPath, Environment, s_commandTimeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            return (null, e.Message);
        }

        if (!result.Succeeded)
        {
            return (null, $"exit {result.ExitCode}: {Tail(result.Stderr)} {Tail(result.Stdout)}");
        }

        try
        {
            var status = MeshStatus.Parse(result.Stdout);
            LastStatusJson = result.Stdout;
            return (status, string.Empty);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>`peermesh down`, then waits for `up` to exit (killed after the timeout).</summary>
    public async Task<int?> DownAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Process is null || Process.HasExited)
        {
            return Process?.ExitCode;
        }

        await Host.RunAsync([.. _command, "down", RepositoryPath], RepositoryPath, Environment, s_commandTimeout, cancellationToken);
        using var wait = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wait.Token);
        try
        {
            return await Process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await Process.KillAsync(cancellationToken);
            return Process.ExitCode;
        }
    }

    /// <summary>`peermesh ARGS` for this node's home, run on its host (`up PATH` serves one more repository).</summary>
    public Task<CommandResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        Host.RunAsync([.. _command, .. args], RepositoryPath, Environment, s_commandTimeout, cancellationToken);

    /// <summary>kill -9 of the node process only (its git daemon child is left, as after a real crash).</summary>
    public Task KillAsync(CancellationToken cancellationToken) =>
        Process is null ? Task.CompletedTask : Process.KillAsync(cancellationToken);

    /// <summary>Starts again with the same options at the host's current address.</summary>
    public Task<MeshStatus> RestartAsync(TimeSpan readyTimeout, CancellationToken cancellationToken) =>
        StartAsync(_options, readyTimeout, cancellationToken);

    /// <summary>Stops the node (SIGTERM, then SIGKILL), moves the host to a fresh address and starts it there.</summary>
    public async Task<MeshStatus> RestartWithNewAddressAsync(TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        if (Process is not null)
        {
            await Process.StopAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }

        await _bed.ChangeAddressAsync(Host, cancellationToken);
        return await StartAsync(_options, readyTimeout, cancellationToken);
    }

    /// <summary>Kills the node's git daemon (and its per-connection children); returns how many processes died.</summary>
    public Task<int> KillGitDaemonAsync(CancellationToken cancellationToken) =>
        Host.KillProcessesNamedAsync("git-daemon", cancellationToken);

    /// <summary>Commits a new file on the clone's current branch, as the developer would; returns the commit id.</summary>
    public Task<string> CommitAsync(string label, CancellationToken cancellationToken) =>
        TestRepository.CommitFileAsync(
            RepositoryPath, $"{Name}-{label}.txt", $"{Name} {label}\n", $"{Name}: {label}", cancellationToken);

    /// <summary>True when some remote-tracking ref of the clone points at <paramref name="commit"/>.</summary>
    public async Task<bool> HasRemoteRefAtAsync(string commit, CancellationToken cancellationToken)
    {
        var refs = await TestRepository.GitAsync(RepositoryPath, cancellationToken, "for-each-ref", "--format=%(objectname)", "refs/remotes");
        return refs.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(commit);
    }

    /// <summary>Names of the clone's git remotes.</summary>
    public async Task<IReadOnlyList<string>> RemotesAsync(CancellationToken cancellationToken) =>
        (await TestRepository.GitAsync(RepositoryPath, cancellationToken, "remote"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// What a peer must never change: HEAD, local branches and tags, the index and the working tree (as one text
    /// to compare before and after).
    /// </summary>
    public async Task<string> LocalStateAsync(CancellationToken cancellationToken)
    {
        var head = await TestRepository.GitAsync(RepositoryPath, cancellationToken, "symbolic-ref", "HEAD");
        var refs = await TestRepository.GitAsync(
            RepositoryPath, cancellationToken, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags");
        var index = await TestRepository.GitAsync(RepositoryPath, cancellationToken, "ls-files", "--stage");
        var tree = await TestRepository.GitAsync(RepositoryPath, cancellationToken, "status", "--porcelain", "--untracked-files=all", "--ignored");
        return $"HEAD {head}\n{refs}\nindex:\n{index}\nworking tree:\n{tree}";
    }

    public IPAddress Address => Host.Address;

    public override string ToString() => $"node {Name} ({Id ?? "not started"}, {Host.Address})";

    internal static string Tail(string text, int max = 1500) =>
        text.Length <= max ? text.Trim() : "..." + text[^max..].Trim();
}

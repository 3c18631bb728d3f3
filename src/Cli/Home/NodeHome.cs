namespace PeerMesh.Cli.Home;

/// <summary>
/// The folder that is a node: its identity key, node lock, control socket, log, settings and the list of the
/// repositories it serves (the git daemon keeps its <c>serve/</c> folder there too). One home is one node; two homes
/// on one machine are two independent nodes. Chosen by <c>--home</c>, else <c>PEERMESH_HOME</c>, else
/// <c>$XDG_STATE_HOME/peermesh</c>, else <c>~/.local/state/peermesh</c>.
/// </summary>
internal sealed class NodeHome
{
    public const string EnvironmentVariable = "PEERMESH_HOME";

    private NodeHome(string directory) => Directory = directory;

    /// <summary>The home's full path.</summary>
    public string Directory { get; }

    /// <summary>The log of a node started with <c>up --detach</c>.</summary>
    public string LogFile => Path.Combine(Directory, "node.log");

    /// <summary>The repositories the node serves (<see cref="ServedReposFile"/>).</summary>
    public string ServedFile => Path.Combine(Directory, "served.json");

    /// <summary>The node-level settings the running node was started with (<see cref="SettingsFile"/>).</summary>
    public string SettingsPath => Path.Combine(Directory, "settings.json");

    /// <summary>The home named by <paramref name="flag"/>, the environment, or the default; not created.</summary>
    /// <exception cref="CliException">No home can be named (no HOME and no XDG_STATE_HOME) or it is not a usable path (exit 2).</exception>
    public static NodeHome Resolve(string? flag) => Resolve(flag, Environment.GetEnvironmentVariable);

    public static NodeHome Resolve(string? flag, Func<string, string?> environment)
    {
        var chosen = NonEmpty(flag)
            ?? NonEmpty(environment(EnvironmentVariable))
            ?? (NonEmpty(environment("XDG_STATE_HOME")) is { } state && Path.IsPathFullyQualified(state) ? Path.Combine(state, "peermesh") : null)
            ?? (NonEmpty(environment("HOME")) is { } home ? Path.Combine(home, ".local", "state", "peermesh") : null)
            ?? throw new CliException("no home for the node: set --home, PEERMESH_HOME or HOME", ExitCodes.Usage);
        if (chosen.Any(char.IsControl))
        {
            throw new CliException("invalid node home: the path holds control characters", ExitCodes.Usage);
        }

        return new NodeHome(Path.TrimEndingDirectorySeparator(Path.GetFullPath(chosen)));
    }

    /// <summary>Creates the home (mode 0700: the key and the socket are in it) if it is not there.</summary>
    public void Create()
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create the node home {Directory}: {e.Message}", ExitCodes.Failure);
        }
    }

    public override string ToString() => Directory;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

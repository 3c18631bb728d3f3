namespace PeerMesh.TestSupport.Netns;

/// <summary>A process seen inside a namespace: its pid, kernel name (comm, at most 15 chars) and command line.</summary>
public sealed record NetnsProcessInfo(int Pid, string Comm, IReadOnlyList<string> CommandLine)
{
    /// <summary>True when the process is <paramref name="name"/>: its comm, argv[0]'s file name, or argv[0..1] as "git daemon".</summary>
    public bool IsNamed(string name)
    {
        if (Comm == name || (CommandLine.Count > 0 && Path.GetFileName(CommandLine[0]) == name))
        {
            return true;
        }

        // A dashed name also matches its undashed form ("git-daemon" is also run as "git daemon").
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && CommandLine.Count > 1
            && Path.GetFileName(CommandLine[0]) == name[..dash]
            && CommandLine[1] == name[(dash + 1)..];
    }
}

namespace PeerMesh.TestSupport.Netns;

/// <summary>The outcome of a command run to completion.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws with the command's output when it failed, so a broken step says why.</summary>
    public CommandResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed with exit code {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}".Trim());
        }

        return this;
    }
}

namespace PeerMesh.Cli;

/// <summary>Exit codes of the <c>peermesh</c> command, part of its contract with scripts.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something failed at run time (the node could not start, a request failed).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: unknown option, not a repository, a node already running.</summary>
    public const int Usage = 2;

    /// <summary><c>status</c>/<c>down</c>: no node is running in that repository.</summary>
    public const int NoNode = 3;

    /// <summary><c>up</c> stopped by Ctrl-C (SIGINT), as shells report a command ended by it (128 + 2).</summary>
    public const int Interrupted = 130;
}

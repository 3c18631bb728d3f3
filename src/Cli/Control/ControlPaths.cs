using System.Text;
using PeerMesh.Mesh.Security;

namespace PeerMesh.Cli.Control;

/// <summary>
/// Where the control socket of a repository's node lives: <c>.git/peermesh/control.sock</c>, or, when
/// that path is too long for a Unix socket address (108 bytes on Linux), a short path in the user's
/// runtime directory named after a hash of the git directory. A node using the short path records it in
/// <c>.git/peermesh/control.path</c>, which moves with the repository: a repository moved while its node runs
/// (HOSTILE 35) is still reachable from its new place, where the hash would name another path.
/// </summary>
internal static class ControlPaths
{
    public const string SocketFileName = "control.sock";

    public const string PointerFileName = "control.path";

    // sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL.
    private const int MaxSocketPathBytes = 100;

    public static string SocketPath(string stateDirectory)
    {
        var preferred = Path.Combine(stateDirectory, SocketFileName);
        if (Encoding.UTF8.GetByteCount(preferred) <= MaxSocketPathBytes)
        {
            return preferred;
        }

        return ShortPath(stateDirectory);
    }

    // Its own method: the hashing library is loaded only when a path is too long, not on every client start.
    private static string ShortPath(string stateDirectory)
    {
        var hash = Convert.ToHexStringLower(Sha256Digest.Of(stateDirectory))[..16];
        return Path.Combine(ShortDirectory(), hash + ".sock");
    }

    /// <summary>
    /// Where a client finds the node: the path computed from the state directory when a socket is there, else the
    /// one the node recorded (the repository moved since it started), else the computed one (no node: the client
    /// says so).
    /// </summary>
    public static string ClientSocketPath(string stateDirectory)
    {
        var computed = SocketPath(stateDirectory);
        if (File.Exists(computed))
        {
            return computed;
        }

        try
        {
            var recorded = File.ReadAllText(Path.Combine(stateDirectory, PointerFileName)).Trim();
            return recorded.Length > 0 && Path.IsPathFullyQualified(recorded) && File.Exists(recorded) ? recorded : computed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return computed;
        }
    }

    /// <summary>Records the bound path when it is outside the state directory; removes a stale record otherwise.</summary>
    public static void RecordBoundPath(string stateDirectory, string socketPath)
    {
        var pointer = Path.Combine(stateDirectory, PointerFileName);
        if (Path.GetDirectoryName(socketPath) == stateDirectory)
        {
            File.Delete(pointer);
            return;
        }

        var temporary = pointer + ".tmp";
        File.WriteAllText(temporary, socketPath + "\n");
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, pointer, overwrite: true);
    }

    /// <summary>Removes the record at stop (a repository moved meanwhile keeps a stale one, which clients ignore).</summary>
    public static void ForgetBoundPath(string stateDirectory)
    {
        try
        {
            File.Delete(Path.Combine(stateDirectory, PointerFileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>XDG_RUNTIME_DIR is per user and private; otherwise a private folder under /tmp.</summary>
    private static string ShortDirectory()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var directory = !string.IsNullOrEmpty(runtime) && Directory.Exists(runtime)
            ? Path.Combine(runtime, "peermesh")
            : Path.Combine(Path.GetTempPath(), "peermesh-" + Environment.UserName);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return directory;
    }
}

using System.Security.Cryptography;
using System.Text;

namespace PeerMesh.Cli.Control;

/// <summary>
/// Where the control socket of a repository's node lives: <c>.git/peermesh/control.sock</c>, or, when
/// that path is too long for a Unix socket address (108 bytes on Linux), a short path in the user's
/// runtime directory named after a hash of the git directory.
/// </summary>
internal static class ControlPaths
{
    public const string SocketFileName = "control.sock";

    // sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL.
    private const int MaxSocketPathBytes = 100;

    public static string SocketPath(string stateDirectory)
    {
        var preferred = Path.Combine(stateDirectory, SocketFileName);
        if (Encoding.UTF8.GetByteCount(preferred) <= MaxSocketPathBytes)
        {
            return preferred;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stateDirectory)))[..16];
        return Path.Combine(ShortDirectory(), hash + ".sock");
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

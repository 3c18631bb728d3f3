using System.Runtime.InteropServices;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// libgit2's socket timeouts (process-wide). A read blocked on a server that accepted and then says nothing fires
/// no progress callback, so the watchdog's "return false" can never reach it; only the socket read timeout ends it.
/// LibGit2Sharp does not expose these options, so they are set through <c>git_libgit2_opts</c> directly.
/// </summary>
internal static partial class LibGit2Timeouts
{
    // libgit2 1.9 git_libgit2_opt_t values.
    private const int SetServerConnectTimeout = 39;
    private const int SetServerTimeout = 41;

    // The native library bundled with LibGit2Sharp 0.32.0 (libgit2 1.9); LibGit2Sharp loads it first.
    private const string NativeLibrary = "git2-5853918";

    private static readonly Lock s_gate = new();
    private static (int Connect, int Read)? s_applied;

    /// <summary>
    /// Sets the connect and read timeouts. Returns null on success, else why not (the watchdog then still aborts
    /// a fetch at its next progress callback, and the overall deadline bounds the rest).
    /// </summary>
    public static string? TryApply(TimeSpan connectTimeout, TimeSpan readTimeout)
    {
        // git_libgit2_opts is variadic. On Apple arm64 variadic arguments go on the stack, so a fixed-signature call
        // would pass garbage; everywhere else we run (SysV x64, Linux arm64) int varargs travel like fixed ones.
        if (OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            return "socket timeouts cannot be set on macOS arm64 (variadic call)";
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return "socket timeouts are only set on Linux and macOS";
        }

        var connect = (int)Math.Clamp(connectTimeout.TotalMilliseconds, 1, int.MaxValue);
        var read = (int)Math.Clamp(readTimeout.TotalMilliseconds, 1, int.MaxValue);
        lock (s_gate)
        {
            if (s_applied == (connect, read))
            {
                return null;
            }

            try
            {
                _ = LibGit2Sharp.GlobalSettings.Version; // makes LibGit2Sharp load and initialise the native library
                if (Opts(SetServerConnectTimeout, connect) != 0 || Opts(SetServerTimeout, read) != 0)
                {
                    return "libgit2 refused the socket timeouts";
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return "libgit2 not found for socket timeouts: " + e.Message;
            }

            s_applied = (connect, read);
            return null;
        }
    }

    [DllImport(NativeLibrary, EntryPoint = "git_libgit2_opts", CallingConvention = CallingConvention.Cdecl)]
#pragma warning disable SYSLIB1054 // a two-int call needs no marshalling source generator (and no unsafe blocks)
    private static extern int Opts(int option, int value);
#pragma warning restore SYSLIB1054
}

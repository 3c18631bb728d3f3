using System.Runtime.InteropServices;
using LibGit2Sharp;
using Version = System.Version;

namespace PeerMesh.Sync.Health;

/// <summary>
/// The version of the libgit2 bundled with LibGit2Sharp, read from the native library itself, and
/// whether it has the security fixes we know of (HOSTILE-INPUTS 44).
/// </summary>
public static class LibGit2Check
{
    /// <summary>
    /// 1.7.2 fixed CVE-2024-24575 (infinite loop in revparse on a crafted input) and CVE-2024-24577
    /// (heap corruption in index handling, reachable from a malicious repository).
    /// </summary>
    public static Version MinimumSafe { get; } = new(1, 7, 2);

    /// <summary>The native library's name as LibGit2Sharp loads it (resolve it through LibGit2Sharp's assembly).</summary>
    public static string LibraryName => "libgit2-" + GlobalSettings.Version.LibGit2CommitSha;

    private delegate int VersionFunction(out int major, out int minor, out int revision);

    /// <summary>The libgit2 version, or null if the native library could not be asked.</summary>
    public static Version? Read()
    {
        try
        {
            var handle = NativeLibrary.Load(LibraryName, typeof(Repository).Assembly, null);
            var function = Marshal.GetDelegateForFunctionPointer<VersionFunction>(NativeLibrary.GetExport(handle, "git_libgit2_version"));
            function(out var major, out var minor, out var revision);
            return new Version(major, minor, revision);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>A warning for the user, or null when the bundled libgit2 is known to be safe.</summary>
    public static string? Warning(Version? version) =>
        version is null ? "cannot tell the version of the bundled libgit2; it may lack security fixes"
        : version < MinimumSafe ? $"the bundled libgit2 {version} predates known security fixes (need {MinimumSafe} or later); update PeerMesh"
        : null;
}

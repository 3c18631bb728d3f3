using System.Runtime.InteropServices;
using LibGit2Sharp;
using PeerMesh.Sync.Health;

namespace PeerMesh.Sync.LocalRepo;

/// <summary>
/// Process-wide bounds on what libgit2 keeps mapped and cached. Its defaults suit tools that run and exit: on a
/// 64-bit machine it maps pack files in 1 GiB windows up to 8 GiB in all and caches up to 256 MiB of parsed objects.
/// A node that runs all day and reads the packs of every served repository keeps all of that resident, in its RSS.
/// With these bounds the least recently used windows are unmapped once the total passes the limit; reading costs a
/// few more mmap calls. LibGit2Sharp 0.32 keeps its setters internal, so <c>git_libgit2_opts</c> is called here.
/// </summary>
public static class LibGit2Limits
{
    /// <summary>Size of one mapped window of a pack file.</summary>
    public const long WindowSize = 4L * 1024 * 1024;

    /// <summary>All windows of all packs mapped at once, at most (libgit2 may pass it while every window is in use).</summary>
    public const long MappedLimit = 16L * 1024 * 1024;

    /// <summary>Parsed objects kept in libgit2's object cache, in bytes.</summary>
    public const long CacheMaxSize = 4L * 1024 * 1024;

    // include/git2/common.h, git_libgit2_opt_t.
    private const int OptGetMWindowSize = 0;
    private const int OptSetMWindowSize = 1;
    private const int OptGetMWindowMappedLimit = 2;
    private const int OptSetMWindowMappedLimit = 3;
    private const int OptSetCacheMaxSize = 7;

    private static readonly Lock s_gate = new();
    private static bool s_applied;

    // git_libgit2_opts is variadic. Where variadic and fixed integer arguments travel alike (x86-64 System V, and
    // arm64 everywhere but Apple's ABI) a fixed prototype calls it correctly; elsewhere the defaults stay.
    private delegate int SetSize(int option, nuint value);

    private delegate int GetSize(int option, out nuint value);

    /// <summary>
    /// Applies the bounds once per process; returns false, changing nothing, where the call cannot be made safely
    /// (macOS on Apple silicon) or the library cannot be asked.
    /// </summary>
    public static bool Apply()
    {
        lock (s_gate)
        {
            if (!s_applied)
            {
                if (!CanCallVariadic || Export<SetSize>() is not { } set)
                {
                    return false;
                }

                Check(set(OptSetMWindowSize, (nuint)WindowSize));
                Check(set(OptSetMWindowMappedLimit, (nuint)MappedLimit));
                Check(set(OptSetCacheMaxSize, (nuint)CacheMaxSize));
                s_applied = true;
            }

            return true;
        }
    }

    /// <summary>libgit2's current window size and mapped limit, as it reports them (null where it cannot be asked).</summary>
    public static (long WindowSize, long MappedLimit)? Read()
    {
        if (!CanCallVariadic || Export<GetSize>() is not { } get)
        {
            return null;
        }

        Check(get(OptGetMWindowSize, out var window));
        Check(get(OptGetMWindowMappedLimit, out var limit));
        return ((long)window, (long)limit);
    }

    private static bool CanCallVariadic =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64
        || (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 && !OperatingSystem.IsMacOS());

    private static T? Export<T>()
        where T : Delegate
    {
        try
        {
            var library = NativeLibrary.Load(LibGit2Check.LibraryName, typeof(Repository).Assembly, null);
            return Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, "git_libgit2_opts"));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return null;
        }
    }

    private static void Check(int result)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"libgit2 refused a memory bound (git_libgit2_opts returned {result})");
        }
    }
}

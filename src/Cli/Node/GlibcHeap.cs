using System.Runtime.InteropServices;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The C heap of a long-running node, where glibc is the C library. glibc gives each thread that calls malloc an arena
/// of its own, up to eight per core, and returns an arena's free pages to the system only from its top. libgit2
/// allocates on whichever pool thread runs a fetch or a ref scan, so an idle node's RSS crept up over hours (the soak
/// measured +4 to +16 MiB/h, none of it in the managed heap). Two arenas, and a trim of every arena's free pages now
/// and then, keep it flat. Elsewhere (musl, macOS) nothing is changed.
/// </summary>
internal static class GlibcHeap
{
    /// <summary>At most this many malloc arenas.</summary>
    public const int ArenaMax = 2;

    /// <summary>How often free pages are handed back (a trim takes well under a millisecond on an idle node).</summary>
    public static readonly TimeSpan TrimInterval = TimeSpan.FromMinutes(5);

    private const int MArenaMax = -8; // malloc.h

    private delegate int MallOpt(int parameter, int value);

    private delegate int MallocTrim(nuint pad);

    private static readonly Lazy<(MallOpt Opt, MallocTrim Trim)?> s_glibc = new(Load);

    /// <summary>Limits the number of arenas; true if glibc took it. Call before the node starts its threads.</summary>
    public static bool LimitArenas() => s_glibc.Value is { } glibc && glibc.Opt(MArenaMax, ArenaMax) == 1;

    /// <summary>Hands free pages of every arena back to the system; true if any were (when: <see cref="HeapTrimmer"/>).</summary>
    public static bool Trim() => s_glibc.Value is { } glibc && glibc.Trim(0) == 1;

    private static (MallOpt, MallocTrim)? Load()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
        {
            return null;
        }

        return NativeLibrary.TryGetExport(libc, "mallopt", out var opt) && NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim)
            ? (Marshal.GetDelegateForFunctionPointer<MallOpt>(opt), Marshal.GetDelegateForFunctionPointer<MallocTrim>(trim))
            : null;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LibGit2Sharp;
using PeerMesh.Sync.Health;
using Version = System.Version;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// The network half of a fetch, through the libgit2 that LibGit2Sharp bundles, called directly: LibGit2Sharp 0.32
/// offers only the whole of <c>git_remote_fetch</c>, whose ref update (<c>git_remote_update_tips</c>) a node cannot
/// use (HOSTILE 48, 50):
/// <list type="bullet">
/// <item>for a named remote it also applies the refspecs in <c>remote.NAME.fetch</c> ("opportunistic updates"), so a
/// hand-edited refspec moved the user's own branches, before any callback could object;</item>
/// <item>it truncates FETCH_HEAD on every fetch, even with <c>update_fetchhead = 0</c> (libgit2 1.8 and 1.9), and
/// FETCH_HEAD belongs to the user's own <c>git fetch</c>/<c>git pull</c>.</item>
/// </list>
/// So only <c>git_remote_download</c> runs here (negotiation and the pack, over our git:// transport, which is
/// registered in this same library), on an anonymous remote made from the URL alone: no <c>remote.NAME.*</c> key
/// (refspecs, mirror, tagOpt, prune) and, with <c>GIT_REMOTE_CREATE_SKIP_INSTEADOF</c>, no <c>url.*.insteadOf</c>
/// is read. It returns the refs the peer advertised; <see cref="TrackingRefs"/> writes the only refs a fetch writes.
/// Struct layouts are those of libgit2 1.8 (include/git2/remote.h, net.h, proxy.h, indexer.h, errors.h), which
/// LibGit2Sharp 0.32 bundles (1.8.6); another minor version is refused before anything is called.
/// </summary>
internal static class LibGit2Fetch
{
    /// <summary>The libgit2 version whose structs are declared here.</summary>
    public static readonly Version Layout = new(1, 8);

    private const int GitEUser = -7;
    private const int GitELocked = -14;
    private const uint RemoteCreateSkipInsteadOf = 1 << 0;
    private const uint RemoteCreateSkipDefaultFetchspec = 1 << 1;
    private const int FetchNoPrune = 2;
    private const int DownloadTagsNone = 2;
    private const int OidSize = 20;

    private static readonly Lazy<Native> s_native = new(Native.Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Downloads what <paramref name="refspec"/> asks for from <paramref name="url"/> into the object database at
    /// <paramref name="gitDir"/>, reporting to <paramref name="progress"/>, and returns every ref the peer advertised
    /// (unfiltered: the peer's words). Writes no ref and no FETCH_HEAD. Throws <see cref="RepositoryNotFoundException"/> when the repository
    /// cannot be opened, <see cref="LockedFileException"/> when a ref is locked and <see cref="LibGit2SharpException"/>
    /// for any other failure, with libgit2's message, as LibGit2Sharp would.
    /// </summary>
    public static IReadOnlyList<(string Name, ObjectId Id)> Download(string gitDir, string url, string refspec, FetchProgress progress) =>
        Download(gitDir, url, [refspec], progress);

    /// <summary>As <see cref="Download(string, string, string, FetchProgress)"/>, wanting what any of <paramref name="refspecs"/> matches.</summary>
    public static IReadOnlyList<(string Name, ObjectId Id)> Download(string gitDir, string url, IReadOnlyList<string> refspecs, FetchProgress progress)
    {
        var native = s_native.Value;
        GitProtocolSubtransport.EnsureRegistered();

        // Bound to this fetch's progress; kept alive (GC.KeepAlive below) for as long as libgit2 may call them.
        Sideband sideband = (text, length, _) => Guard(() =>
            progress.OnSidebandProgress(length > 0 ? Marshal.PtrToStringUTF8(text, length) : string.Empty));
        TransferProgress transfer = (stats, _) => Guard(() =>
        {
            var s = Marshal.PtrToStructure<IndexerProgress>(stats);
            return progress.OnTransferProgress((int)s.TotalObjects, (int)s.IndexedObjects, (int)s.ReceivedObjects, (long)s.ReceivedBytes);
        });

        var repository = IntPtr.Zero;
        var remote = IntPtr.Zero;
        var urlText = Marshal.StringToCoTaskMemUTF8(url);
        var refspecTexts = refspecs.Select(Marshal.StringToCoTaskMemUTF8).ToArray();
        var refspecList = Marshal.AllocCoTaskMem(IntPtr.Size * Math.Max(1, refspecTexts.Length));
        try
        {
            if (native.RepositoryOpen(out repository, gitDir) < 0)
            {
                throw new RepositoryNotFoundException("local repository not found: " + gitDir);
            }

            var create = default(RemoteCreateOptions);
            Check(native.RemoteCreateOptionsInit(ref create, 1));
            create.Repository = repository;
            create.Name = IntPtr.Zero; // anonymous: no remote.* key is read, none is written
            create.Flags = RemoteCreateSkipInsteadOf | RemoteCreateSkipDefaultFetchspec;
            Check(native.RemoteCreateWithOpts(out remote, urlText, ref create));

            var options = default(FetchOptions);
            Check(native.FetchOptionsInit(ref options, 1));
            options.Callbacks.SidebandProgress = Marshal.GetFunctionPointerForDelegate(sideband);
            options.Callbacks.TransferProgress = Marshal.GetFunctionPointerForDelegate(transfer);
            options.Prune = FetchNoPrune;
            options.UpdateFetchHead = 0;
            options.DownloadTags = DownloadTagsNone;

            for (var i = 0; i < refspecTexts.Length; i++)
            {
                Marshal.WriteIntPtr(refspecList, i * IntPtr.Size, refspecTexts[i]);
            }

            var wanted = new StrArray { Strings = refspecList, Count = (nuint)refspecTexts.Length };
            Check(native.RemoteDownload(remote, ref wanted, ref options));

            // Still connected: the transport keeps the advertisement.
            Check(native.RemoteLs(out var heads, out var count, remote));
            var advertised = new List<(string Name, ObjectId Id)>((int)Math.Min(count, 100_000));
            for (nuint i = 0; i < count; i++)
            {
                var head = Marshal.PtrToStructure<RemoteHead>(Marshal.ReadIntPtr(heads, checked((int)i) * IntPtr.Size));
                if (Marshal.PtrToStringUTF8(head.Name) is { Length: > 0 } name)
                {
                    advertised.Add((name, new ObjectId(((ReadOnlySpan<byte>)head.Oid).ToArray())));
                }
            }

            native.RemoteDisconnect(remote);
            return advertised;
        }
        finally
        {
            if (remote != IntPtr.Zero)
            {
                native.RemoteFree(remote);
            }

            if (repository != IntPtr.Zero)
            {
                native.RepositoryFree(repository);
            }

            Marshal.FreeCoTaskMem(refspecList);
            foreach (var text in refspecTexts)
            {
                Marshal.FreeCoTaskMem(text);
            }

            Marshal.FreeCoTaskMem(urlText);
            GC.KeepAlive(sideband);
            GC.KeepAlive(transfer);
        }

        void Check(int result)
        {
            if (result >= 0)
            {
                return;
            }

            var last = native.ErrorLast();
            var message = last == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(last));
            message = string.IsNullOrEmpty(message) ? $"libgit2 error {result}" : message;
            throw result == GitELocked ? new LockedFileException(message) : new LibGit2SharpException(message);
        }
    }

    /// <summary>Runs a callback's body; an exception must never unwind into libgit2, so it aborts the fetch instead.</summary>
    private static int Guard(Func<bool> body)
    {
        try
        {
            return body() ? 0 : GitEUser;
        }
        catch (Exception)
        {
            return GitEUser;
        }
    }

    // libgit2 callbacks (cdecl on every platform .NET runs PeerMesh on).
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Sideband(IntPtr text, int length, IntPtr payload);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int TransferProgress(IntPtr stats, IntPtr payload);

    // libgit2 functions.
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int RepositoryOpenFn(out IntPtr repository, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void FreeFn(IntPtr handle);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int RemoteCreateOptionsInitFn(ref RemoteCreateOptions options, uint version);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int RemoteCreateWithOptsFn(out IntPtr remote, IntPtr url, ref RemoteCreateOptions options);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int FetchOptionsInitFn(ref FetchOptions options, uint version);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int RemoteDownloadFn(IntPtr remote, ref StrArray refspecs, ref FetchOptions options);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int RemoteLsFn(out IntPtr heads, out nuint count, IntPtr remote);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr ErrorLastFn();

    private sealed record Native(
        RepositoryOpenFn RepositoryOpen,
        FreeFn RepositoryFree,
        RemoteCreateOptionsInitFn RemoteCreateOptionsInit,
        RemoteCreateWithOptsFn RemoteCreateWithOpts,
        FetchOptionsInitFn FetchOptionsInit,
        RemoteDownloadFn RemoteDownload,
        RemoteLsFn RemoteLs,
        FreeFn RemoteDisconnect,
        FreeFn RemoteFree,
        ErrorLastFn ErrorLast)
    {
        public static Native Load()
        {
            var version = LibGit2Check.Read();
            if (version is null || version.Major != Layout.Major || version.Minor != Layout.Minor)
            {
                // A build problem, not the peer's answer: said as it is.
                throw new FetchFailedException(
                    FetchErrorKind.Other,
                    $"the bundled libgit2 is {version?.ToString() ?? "of unknown version"}; this build of PeerMesh fetches with libgit2 {Layout}");
            }

            // The copy LibGit2Sharp loaded (same file, so the same handle): our git:// transport is registered there.
            var library = NativeLibrary.Load(LibGit2Check.LibraryName, typeof(Repository).Assembly, null);
            T Export<T>(string name) => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
            return new Native(
                Export<RepositoryOpenFn>("git_repository_open"),
                Export<FreeFn>("git_repository_free"),
                Export<RemoteCreateOptionsInitFn>("git_remote_create_options_init"),
                Export<RemoteCreateWithOptsFn>("git_remote_create_with_opts"),
                Export<FetchOptionsInitFn>("git_fetch_options_init"),
                Export<RemoteDownloadFn>("git_remote_download"),
                Export<RemoteLsFn>("git_remote_ls"),
                Export<FreeFn>("git_remote_disconnect"),
                Export<FreeFn>("git_remote_free"),
                Export<ErrorLastFn>("git_error_last"));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct StrArray
    {
        public IntPtr Strings;
        public nuint Count;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RemoteCreateOptions
    {
        public uint Version;
        public IntPtr Repository;
        public IntPtr Name;
        public IntPtr FetchSpec;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RemoteCallbacks
    {
        public uint Version;
        public IntPtr SidebandProgress;
        public IntPtr Completion;
        public IntPtr Credentials;
        public IntPtr CertificateCheck;
        public IntPtr TransferProgress;
        public IntPtr UpdateTips;
        public IntPtr PackProgress;
        public IntPtr PushTransferProgress;
        public IntPtr PushUpdateReference;
        public IntPtr PushNegotiation;
        public IntPtr Transport;
        public IntPtr RemoteReady;
        public IntPtr Payload;
        public IntPtr ResolveUrl; // 1.9 adds update_refs after this: the layout is per minor version
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ProxyOptions
    {
        public uint Version;
        public int Type;
        public IntPtr Url;
        public IntPtr Credentials;
        public IntPtr CertificateCheck;
        public IntPtr Payload;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct FetchOptions
    {
        public int Version;
        public RemoteCallbacks Callbacks;
        public int Prune;
        public uint UpdateFetchHead;
        public int DownloadTags;
        public ProxyOptions Proxy;
        public int Depth;
        public int FollowRedirects;
        public StrArray CustomHeaders;
    }

    /// <summary>A git_oid (SHA-1; libgit2 is built without SHA-256 here). Blittable, so a peer's 100 000 refs copy fast.</summary>
    [InlineArray(OidSize)]
    private struct Oid
    {
        private byte _first;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RemoteHead
    {
        public int Local;
        public Oid Oid;
        public Oid LocalOid;
        public IntPtr Name;
        public IntPtr SymrefTarget;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IndexerProgress
    {
        public uint TotalObjects;
        public uint IndexedObjects;
        public uint ReceivedObjects;
        public uint LocalObjects;
        public uint TotalDeltas;
        public uint IndexedDeltas;
        public nuint ReceivedBytes;
    }
}

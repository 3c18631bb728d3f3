namespace PeerMesh.Cli.Node;

/// <summary>
/// When the node hands the C heap's free pages back (<see cref="GlibcHeap.Trim"/>): <see cref="QuietDelay"/> after the
/// last of a run of fetches (<see cref="FetchEnded"/>; libgit2 frees what a fetch allocated, and glibc keeps it in the
/// arenas until a trim), and every <see cref="GlibcHeap.TrimInterval"/> whatever happens. Measured on a node serving 10
/// repositories with 3 peers each, just after its first fetch from every one of them: 85 MiB, 78 after a trim. An idle
/// node is woken by the periodic trim only.
/// </summary>
internal sealed class HeapTrimmer : IDisposable
{
    /// <summary>How long after the last fetch ended the heap is trimmed (a fetch that ends within it moves the trim on).</summary>
    public static readonly TimeSpan QuietDelay = TimeSpan.FromSeconds(10);

    private readonly ITimer _periodic;
    private readonly ITimer _afterWork;

    /// <param name="trim">The trim (<see cref="GlibcHeap.Trim"/>; tests count calls).</param>
    public HeapTrimmer(TimeProvider time, Func<bool> trim)
    {
        _periodic = time.CreateTimer(_ => trim(), null, GlibcHeap.TrimInterval, GlibcHeap.TrimInterval);
        _afterWork = time.CreateTimer(_ => trim(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A fetch ended: trim once no other one has ended for <see cref="QuietDelay"/>. Cheap, from any thread.</summary>
    public void FetchEnded() => _afterWork.Change(QuietDelay, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _periodic.Dispose();
        _afterWork.Dispose();
    }
}

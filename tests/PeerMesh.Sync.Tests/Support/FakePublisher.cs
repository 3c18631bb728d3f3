using System.Collections.Concurrent;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>Records what Sync publishes, and lets a test await the n-th publication (a known point).</summary>
internal sealed class FakePublisher : ILocalRepoPublisher
{
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromMinutes(2);

    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waits = [];

    public ConcurrentQueue<(string RepoId, string Digest)> Published { get; } = new();

    /// <summary>The versions given with each publication (0 for the overload without one), in order.</summary>
    public ConcurrentQueue<long> Versions { get; } = new();

    public long PublishLocalRefs(string repoId, string refsDigest, long refsVersion)
    {
        Versions.Enqueue(refsVersion);
        Record(repoId, refsDigest);
        return refsVersion;
    }

    public void PublishLocalRefs(string repoId, string refsDigest)
    {
        Versions.Enqueue(0);
        Record(repoId, refsDigest);
    }

    private void Record(string repoId, string refsDigest)
    {
        List<TaskCompletionSource> done;
        lock (_gate)
        {
            Published.Enqueue((repoId, refsDigest));
            done = [.. _waits.Where(w => w.Count <= Published.Count).Select(w => w.Done)];
            _waits.RemoveAll(w => w.Count <= Published.Count);
        }

        foreach (var tcs in done)
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>
    /// The digest of the <paramref name="count"/>-th publication, made already or when it is. The deadline only turns
    /// a hang into a failure saying how many came.
    /// </summary>
    public async Task<string> PublishedAsync(int count, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (Published.Count >= count)
            {
                seen.SetResult();
            }
            else
            {
                _waits.Add((count, seen));
            }
        }

        try
        {
            await seen.Task.WaitAsync(s_hangGuard, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"only {Published.Count} of {count} publications");
        }

        return Published.ElementAt(count - 1).Digest;
    }
}

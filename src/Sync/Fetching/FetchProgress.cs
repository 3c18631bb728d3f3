using System.Collections.Concurrent;
using LibGit2Sharp;
using PeerMesh.Sync.Status;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// The state one running fetch shares between libgit2's callbacks (on the fetch thread) and the watchdog timer.
/// Every callback answers "go on?"; false makes libgit2 abort the fetch.
/// </summary>
internal sealed class FetchProgress : IDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly long _maxBytes;
    private readonly int _maxRefs;
    private readonly string _allowedPrefix;
    private readonly CancellationToken _cancellationToken;
    private readonly ConcurrentQueue<(string Name, ObjectId Old, ObjectId New)> _updates = new();
    private readonly CancellationTokenSource _aborted = new();
    private readonly long _started;
    private long _peerBytes;
    private long _lastProgress;
    private long _receivedBytes;
    private int _receivedObjects;
    private int _totalObjects;
    private int _abortReason;
    private int _transferDone;

    public FetchProgress(TimeProvider timeProvider, long maxBytes, int maxRefs, string allowedPrefix, CancellationToken cancellationToken)
    {
        _timeProvider = timeProvider;
        _maxBytes = maxBytes;
        _maxRefs = maxRefs;
        _allowedPrefix = allowedPrefix;
        _cancellationToken = cancellationToken;
        _lastProgress = timeProvider.GetTimestamp();
        _started = _lastProgress;
    }

    public FetchAbortReason AbortReason => (FetchAbortReason)Volatile.Read(ref _abortReason);

    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    /// <summary>Bytes the git:// transport received from the peer (all of them, including the ref advertisement).</summary>
    public long PeerBytes => Interlocked.Read(ref _peerBytes);

    /// <summary>Cancelled when the fetch is aborted for any reason: the git:// transport then closes the connection.</summary>
    public CancellationToken Aborted => _aborted.Token;

    public IReadOnlyCollection<(string Name, ObjectId Old, ObjectId New)> Updates => _updates;

    /// <summary>libgit2's indexer progress (the pack as it arrives).</summary>
    public bool OnTransferProgress(int totalObjects, int indexedObjects, int receivedObjects, long receivedBytes)
    {
        var previous = Interlocked.Exchange(ref _receivedBytes, receivedBytes);
        Volatile.Write(ref _receivedObjects, receivedObjects);
        Volatile.Write(ref _totalObjects, totalObjects);
        if (receivedBytes != previous || indexedObjects > 0)
        {
            MarkProgress();
        }

        if (receivedBytes > _maxBytes)
        {
            Abort(FetchAbortReason.PackTooLarge);
        }

        return ShouldContinue();
    }

    public bool OnSidebandProgress(string serverProgressOutput)
    {
        MarkProgress();
        return ShouldContinue();
    }

    /// <summary>
    /// Asked before each ref a fetch writes (<see cref="TrackingRefs"/>); false stops the fetch there. A ref outside
    /// the allowed prefix is refused before it is written (nothing else decides destinations, so this is the last
    /// line, HOSTILE 48), and a peer with more branches than the cap gets that many (HOSTILE 30).
    /// </summary>
    public bool OnUpdateTip(string referenceName, ObjectId oldId, ObjectId newId)
    {
        if (!referenceName.StartsWith(_allowedPrefix, StringComparison.Ordinal))
        {
            Abort(FetchAbortReason.ForeignRef);
            return false;
        }

        if (_updates.Count >= _maxRefs)
        {
            Abort(FetchAbortReason.TooManyRefs);
            return false;
        }

        if (!ShouldContinue())
        {
            return false;
        }

        _updates.Enqueue((referenceName, oldId, newId));
        MarkProgress();
        return true;
    }

    /// <summary>Called by the git:// transport for every chunk from the peer: progress at the byte level, in every phase.</summary>
    public void OnPeerBytes(int count)
    {
        MarkProgress();
        if (Interlocked.Add(ref _peerBytes, count) > _maxBytes)
        {
            Abort(FetchAbortReason.PackTooLarge);
        }
    }

    /// <summary>
    /// The transfer so far, from any thread. Bytes are the larger of the transport's count (every phase) and
    /// libgit2's (the pack), so a fetch over another transport still shows them.
    /// </summary>
    public FetchTransferStatus Snapshot()
    {
        var elapsed = _timeProvider.GetElapsedTime(_started);
        var bytes = Math.Max(PeerBytes, ReceivedBytes);
        var rate = elapsed > TimeSpan.Zero ? bytes / elapsed.TotalSeconds : 0;
        return new FetchTransferStatus(Volatile.Read(ref _receivedObjects), Volatile.Read(ref _totalObjects), bytes, rate, elapsed);
    }

    /// <summary>
    /// The peer has said all it will (the connection is closed): from here the work is local (writing refs), bounded
    /// by cancellation and the ref cap, and no longer by the peer-silence watchdog.
    /// </summary>
    public void TransferDone() => Volatile.Write(ref _transferDone, 1);

    /// <summary>Called by the watchdog timer: aborts when nothing moved for <paramref name="limit"/> while talking to the peer.</summary>
    public void CheckStalled(TimeSpan limit)
    {
        if (Volatile.Read(ref _transferDone) == 0 && _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastProgress)) >= limit)
        {
            Abort(FetchAbortReason.NoProgress);
        }
    }

    /// <summary>Counts as progress (the fetch proper starts now).</summary>
    public void Touch() => MarkProgress();

    private void MarkProgress() => Interlocked.Exchange(ref _lastProgress, _timeProvider.GetTimestamp());

    private void Abort(FetchAbortReason reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, (int)reason, 0) == 0)
        {
            try
            {
                _aborted.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The watchdog's tick ran as the fetch ended and disposed this: nothing is left to abort. Thrown on
                // the timer's thread, it would abort the node.
            }
        }
    }

    private bool ShouldContinue() => AbortReason == FetchAbortReason.None && !_cancellationToken.IsCancellationRequested;

    public void Dispose() => _aborted.Dispose();
}

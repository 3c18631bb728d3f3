using PeerMesh.Sync.Watching;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>A git dir watch the test drives: events and failures come when the test says, and never otherwise.</summary>
internal sealed class ManualGitDirWatch : IGitDirWatch
{
    private readonly string? _startFailure;
    private Action<GitDirChange>? _onChange;
    private Action<string>? _onFailed;

    /// <param name="startFailure">Returned by <see cref="Start"/> (watching impossible), or null: started fine.</param>
    public ManualGitDirWatch(string? startFailure = null) => _startFailure = startFailure;

    public bool Disposed { get; private set; }

    public string? Start(Action<GitDirChange> onChange, Action<string> onFailed)
    {
        _onChange = onChange;
        _onFailed = onFailed;
        return _startFailure;
    }

    /// <summary>An event, as the file-system watch would raise it.</summary>
    public void Fire(GitDirChange change) => (_onChange ?? throw new InvalidOperationException("not started"))(change);

    /// <summary>Watching stops working (the watch limit reached for a new folder, say).</summary>
    public void Fail(string reason) => (_onFailed ?? throw new InvalidOperationException("not started"))(reason);

    public void Dispose() => Disposed = true;
}

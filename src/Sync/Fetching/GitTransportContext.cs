namespace PeerMesh.Sync.Fetching;

/// <summary>
/// What the git:// transport needs from the fetch that runs on the current thread: the progress object (watchdog,
/// size cap, abort), the cancellation token and the connect timeout. libgit2 calls the transport synchronously on
/// the fetching thread, so a thread-static is how the context reaches it.
/// </summary>
internal sealed class GitTransportContext
{
    [ThreadStatic]
    private static GitTransportContext? t_current;

    public GitTransportContext(FetchProgress progress, TimeSpan connectTimeout, TimeSpan idleTimeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        Progress = progress;
        ConnectTimeout = connectTimeout;
        IdleTimeout = idleTimeout;
        TimeProvider = timeProvider;
        CancellationToken = cancellationToken;
    }

    /// <summary>The context of the fetch running on this thread, or null.</summary>
    public static GitTransportContext? Current => t_current;

    public FetchProgress Progress { get; }

    public TimeSpan ConnectTimeout { get; }

    /// <summary>Socket-level bound on a blocked send, in case the watchdog cannot reach it.</summary>
    public TimeSpan IdleTimeout { get; }

    public TimeProvider TimeProvider { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Why the transport failed, in plain words, when it knows better than libgit2's message.</summary>
    public FetchFailedException? Failure { get; set; }

    /// <summary>Makes this the current thread's context until the returned scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    internal readonly struct Scope : IDisposable
    {
        private readonly GitTransportContext? _previous;

        public Scope(GitTransportContext? previous)
        {
            _previous = previous;
        }

        public void Dispose() => t_current = _previous;
    }
}

namespace PeerMesh.Sync.Fetching;

/// <summary>A fetch that failed, with a plain-words reason for status and whether a retry may help.</summary>
internal sealed class FetchFailedException : Exception
{
    public FetchFailedException(FetchErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public FetchErrorKind Kind { get; }

    /// <summary>Worth retrying within one fetch: connection refused, network errors, lock contention.</summary>
    public bool IsTransient => Kind is FetchErrorKind.ConnectionRefused or FetchErrorKind.NetworkError or FetchErrorKind.LockContention;

    /// <summary>Our own repository cannot take a fetch (gone, disk full): no peer is to blame, every peer would fail alike.</summary>
    public bool IsLocal => Kind is FetchErrorKind.LocalRepository or FetchErrorKind.LocalStorage;
}

using Microsoft.Extensions.Logging;

namespace PeerMesh.Sync.Fetching;

/// <summary>Source-generated log lines of the fetch scheduler.</summary>
internal sealed partial class FetchScheduler
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetch of {Remote} asked for: {Trigger}")]
    private static partial void LogTriggered(ILogger logger, string remote, FetchTrigger trigger);

    // Per branch, the fetcher says what arrived; this is the summary.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetched {Remote}: {Updated} ref(s) updated, {Bytes} bytes")]
    private static partial void LogFetched(ILogger logger, string remote, int updated, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetch of {Remote} failed: {Error}")]
    private static partial void LogFetchFailed(ILogger logger, string remote, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Fetch worker of {Remote} failed; the next trigger starts a new one")]
    private static partial void LogWorkerFaulted(ILogger logger, string remote, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local repository error ({Failures} in a row): no fetches for {Seconds} s")]
    private static partial void LogLocalHold(ILogger logger, int failures, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "fetch of {Remote} at {OldUrl} given up: the peer moved to {NewUrl}; fetching there")]
    private static partial void LogMoveCancelled(ILogger logger, string remote, string oldUrl, string newUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the managed remotes: {Reason}")]
    private static partial void LogReconcileFailed(ILogger logger, string reason);
}

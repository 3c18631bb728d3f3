namespace PeerMesh.Sync.Fetching;

/// <summary>A <see cref="FetchTrigger"/> in words, for log lines.</summary>
internal static class FetchTriggers
{
    public static string Describe(FetchTrigger trigger) => trigger switch
    {
        FetchTrigger.RefsChanged => "its refs changed",
        FetchTrigger.Joined => "it joined",
        FetchTrigger.Backstop => "periodic backstop",
        FetchTrigger.Explicit => "peermesh fetch",
        FetchTrigger.LocalRetry => "retry after a local error",
        _ => "another fetch was asked for while one ran",
    };
}

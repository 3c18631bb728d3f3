using LibGit2Sharp;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// PeerMesh's own git:// transport for libgit2 (registered for the "git" scheme in this process). libgit2's built-in
/// one blocks in a socket read that only its progress callbacks could interrupt, and a silent or trickling peer
/// never calls them; here every read and send is ours, so the watchdog, the deadlines and the size cap end a fetch
/// at once by closing the socket. Only URLs of the managed shape are accepted.
/// </summary>
internal sealed class GitProtocolSubtransport : SmartSubtransport
{
    private static readonly Lock s_gate = new();
    private static bool s_registered;

    private GitProtocolStream? _stream;

    /// <summary>Registers the transport once per process.</summary>
    public static void EnsureRegistered()
    {
        lock (s_gate)
        {
            if (!s_registered)
            {
                GlobalSettings.RegisterSmartSubtransport<GitProtocolSubtransport>("git");
                s_registered = true;
            }
        }
    }

    protected override SmartSubtransportStream Action(string url, GitSmartSubtransportAction action)
    {
        if (action is not (GitSmartSubtransportAction.UploadPackList or GitSmartSubtransportAction.UploadPack))
        {
            throw new LibGit2SharpException("PeerMesh only fetches over git://");
        }

        // A stateful transport: the negotiation continues on the connection that listed the refs.
        _stream ??= new GitProtocolStream(this, url, GitTransportContext.Current);
        return _stream;
    }

    protected override void Close()
    {
        _stream = null;
        base.Close();
    }
}

namespace PeerMesh.Sync.Status;

/// <summary>Where a running fetch is: what libgit2 and our git:// transport have seen so far.</summary>
/// <param name="ReceivedObjects">Objects received from the pack.</param>
/// <param name="TotalObjects">Objects in the pack; 0 until its header has arrived.</param>
/// <param name="ReceivedBytes">Bytes received from the peer (ref advertisement and negotiation included).</param>
/// <param name="BytesPerSecond">Average rate since the fetch started.</param>
/// <param name="Elapsed">Time since the fetch started.</param>
internal sealed record FetchTransferStatus(int ReceivedObjects, int TotalObjects, long ReceivedBytes, double BytesPerSecond, TimeSpan Elapsed);

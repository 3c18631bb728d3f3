namespace PeerMesh.Cli.Status;

/// <summary>A running fetch's transfer so far.</summary>
/// <param name="Objects">Objects received.</param>
/// <param name="TotalObjects">Objects in the pack, 0 until its header has arrived.</param>
/// <param name="Bytes">Bytes received from the peer.</param>
/// <param name="BytesPerSecond">Average rate since the fetch started.</param>
internal sealed record FetchProgressInfo(int Objects, int TotalObjects, long Bytes, double BytesPerSecond);

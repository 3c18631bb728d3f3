namespace PeerMesh.TestSupport.Netns;

/// <summary>Echo requests sent and replies received.</summary>
public sealed record PingResult(int Sent, int Received)
{
    public double LossPercent => Sent == 0 ? 0 : 100.0 * (Sent - Received) / Sent;
}

namespace PeerMesh.Benchmarks;

/// <summary>One idle measurement: the node's share of one core (percent) and its threads' wakeups per second.</summary>
internal sealed record IdleCpuResult(int Repos, int Peers, bool Mdns, TimeSpan Window, double CorePercent, double WakeupsPerSecond);

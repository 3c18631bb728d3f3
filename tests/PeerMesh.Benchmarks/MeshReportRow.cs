namespace PeerMesh.Benchmarks;

/// <summary>One line of the netns report: the figures measured at one loss rate (null = that phase timed out).</summary>
internal sealed record MeshReportRow(
    double LossPercent,
    int Hosts,
    TimeSpan? Discover,
    IReadOnlyList<TimeSpan> Propagation,
    int PropagationMissed,
    TimeSpan? CrashNotAlive,
    TimeSpan? CrashDead,
    TimeSpan? HealConverge,
    int FalseDeaths,
    string? Note);

namespace PeerMesh.Benchmarks;

/// <summary>What <see cref="MdnsJoinBenchmark.MeasureAsync"/> measured: every trial, and their percentiles.</summary>
internal sealed record MdnsJoinFigures(int Existing, IReadOnlyList<MdnsJoinTrial> Trials)
{
    /// <summary>"Listed alive by all others", p50.</summary>
    public TimeSpan P50 => Percentile(t => t.AllListed, 50);

    /// <summary>"Listed alive by all others", p99.</summary>
    public TimeSpan P99 => Percentile(t => t.AllListed, 99);

    /// <summary>The nearest-rank percentile of one stage over the trials.</summary>
    public TimeSpan Percentile(Func<MdnsJoinTrial, TimeSpan> stage, int percent) =>
        TimeSpan.FromTicks((long)BenchmarkMath.Percentile(Trials.Select(t => (double)stage(t).Ticks), percent));
}

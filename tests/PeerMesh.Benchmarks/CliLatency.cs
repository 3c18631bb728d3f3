namespace PeerMesh.Benchmarks;

/// <summary>
/// Wall times (ms, process start to exit) of <c>peermesh status --json</c>, <c>peermesh status</c> and <c>git status</c>
/// in one served repository, from <see cref="CliLatencyBenchmark.MeasureAsync"/>.
/// </summary>
internal sealed record CliLatency(string Executable, IReadOnlyList<double> StatusJsonMs, IReadOnlyList<double> StatusMs, IReadOnlyList<double> GitStatusMs)
{
    public double StatusJsonP50 => BenchmarkMath.Percentile(StatusJsonMs, 50);

    public double StatusJsonP99 => BenchmarkMath.Percentile(StatusJsonMs, 99);

    public double GitStatusP50 => BenchmarkMath.Percentile(GitStatusMs, 50);

    /// <summary><c>status --json</c> p50 over <c>git status</c> p50.</summary>
    public double Ratio => StatusJsonP50 / GitStatusP50;
}

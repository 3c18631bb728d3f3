using System.Globalization;

namespace PeerMesh.Benchmarks;

/// <summary>What several benchmarks share: their integer options and nearest-rank percentiles.</summary>
internal static class BenchmarkMath
{
    /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, else <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    /// <summary>The nearest-rank <paramref name="percent"/>th percentile.</summary>
    public static double Percentile(IEnumerable<double> values, int percent)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

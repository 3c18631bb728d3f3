using PeerMesh.Mesh.Timing;

namespace PeerMesh.Discovery.Seeds;

/// <summary>Retry timing of <see cref="SeedJoiner"/>.</summary>
internal sealed class SeedJoinerOptions
{
    /// <summary>First retry after this; doubled per failed try up to <see cref="MaxBackoff"/>. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Default 60 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Once the seed is a live member, check again this often (it may die, move or be partitioned). Default 30 s.</summary>
    public TimeSpan JoinedCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Random spread of each wait, as a fraction (+-). Default 0.2.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>The wait after the n-th failed try in a row: <c>min(InitialBackoff * 2^(n-1), MaxBackoff)</c>, spread by <see cref="Jitter"/>.</summary>
    public Backoff Retry => new(InitialBackoff, MaxBackoff, Jitter);
}

namespace PeerMesh.Benchmarks;

/// <summary>One benchmark: runs, then prints its table(s) to the writer. Found by reflection.</summary>
internal interface IBenchmark
{
    /// <summary>Short name used on the command line, e.g. "gossip".</summary>
    string Name { get; }

    string Description { get; }

    Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken);
}

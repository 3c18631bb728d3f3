namespace PeerMesh.Fuzz;

/// <summary>
/// One fuzz target: a decoder or receive path fed one input at a time. A finding is any exception
/// that leaves <see cref="Run"/> (the decoders promise never to throw; the receive paths promise to
/// count, not log, a bad datagram). Found by reflection, like the benchmarks.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>Short name used on the command line and for the corpus folder, e.g. "gossip".</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>Valid inputs to start the corpus from.</summary>
    IEnumerable<byte[]> Seeds();

    /// <summary>Builds the state the inputs are fed into (a running node), once per process.</summary>
    Task StartAsync();

    void Run(ReadOnlySpan<byte> input);
}

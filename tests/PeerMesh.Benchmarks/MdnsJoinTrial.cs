namespace PeerMesh.Benchmarks;

/// <summary>One start of a new node in <see cref="MdnsJoinBenchmark"/>: each stage since its mDNS start.</summary>
/// <param name="FirstAnswer">Its first mDNS answer offered to its mesh as a join candidate; null when none came before every existing node listed it (they found it another way).</param>
/// <param name="FirstListed">The first existing node lists it alive.</param>
/// <param name="AllListed">Every existing node lists it alive: the figure of the issue.</param>
/// <param name="AllHeardAnnouncement">Every existing node's mDNS browser has heard its own (probed, announced) names.</param>
internal sealed record MdnsJoinTrial(TimeSpan? FirstAnswer, TimeSpan FirstListed, TimeSpan AllListed, TimeSpan AllHeardAnnouncement);

namespace PeerMesh.Cli.Status;

/// <summary>One static seed (<c>--peer</c>, <c>peermesh.peer</c>) and how joining it goes.</summary>
/// <param name="Seed">As configured, with its port (<c>10.0.0.5:9419</c>).</param>
/// <param name="Joined">A live member answers at one of the seed's addresses.</param>
/// <param name="Error">
/// Why it is not joined: <c>"no answer"</c> when nobody became a member at its addresses since the previous try, or
/// the resolver's error (<c>"cannot resolve ..."</c>); null when joined and before the first verdict.
/// </param>
/// <param name="Attempts">Tries so far (a joined seed is checked again every 30 s; each check counts).</param>
/// <param name="NextTry">When it is tried (or, once joined, checked) next.</param>
internal sealed record SeedInfo(string Seed, bool Joined, string? Error, int Attempts, DateTimeOffset NextTry);

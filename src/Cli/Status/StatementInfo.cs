namespace PeerMesh.Cli.Status;

/// <summary>The newest signed refs statement held of a peer's work in one project: its sequence and when it was signed.</summary>
internal sealed record StatementInfo(string Repo, long Seq, DateTimeOffset At);

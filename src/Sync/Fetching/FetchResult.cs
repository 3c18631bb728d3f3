namespace PeerMesh.Sync.Fetching;

/// <summary>What one run of a fetch came to: an outcome, or the expected failure that ended it.</summary>
/// <param name="Outcome">The successful fetch, or null.</param>
/// <param name="Error">Why it failed (a <see cref="FetchFailedException"/>, an open circuit, a timeout, a cancellation), or null.</param>
internal sealed record FetchResult(FetchOutcome? Outcome, Exception? Error)
{
    public bool Ok => Outcome is not null;
}

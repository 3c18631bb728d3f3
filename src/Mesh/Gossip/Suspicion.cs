namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// One running suspicion (Lifeguard): starts at the maximum timeout and shrinks towards the minimum as
/// independent members confirm it. The member that raised it does not count as a confirmation.
/// </summary>
internal sealed class Suspicion
{
    private readonly HashSet<string> _confirmers = new(StringComparer.Ordinal);

    public Suspicion(long incarnation, string from, int expectedConfirmations, TimeSpan min, TimeSpan max, DateTimeOffset start)
    {
        Incarnation = incarnation;
        ExpectedConfirmations = expectedConfirmations;
        Min = min;
        Max = max;
        Start = start;
        _confirmers.Add(from);
    }

    public long Incarnation { get; set; }

    public int ExpectedConfirmations { get; }

    public TimeSpan Min { get; }

    public TimeSpan Max { get; }

    public DateTimeOffset Start { get; }

    /// <summary>Independent confirmations so far (capped at the expected count).</summary>
    public int Confirmations { get; private set; }

    public ITimer? Timer { get; set; }

    public TimeSpan Timeout => SuspicionMath.Timeout(Min, Max, ExpectedConfirmations, Confirmations);

    public DateTimeOffset Deadline => Start + Timeout;

    /// <summary>True when <paramref name="from"/> raised or confirmed this suspicion already (its claim need not be verified again).</summary>
    public bool HasHeardFrom(string from) => _confirmers.Contains(from);

    /// <summary>True when <paramref name="from"/> is a new, counted confirmation (then the deadline moved closer).</summary>
    public bool Confirm(string from)
    {
        if (Confirmations >= ExpectedConfirmations || !_confirmers.Add(from))
        {
            return false;
        }

        Confirmations++;
        return true;
    }
}

using System.Globalization;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace PeerMesh.Sync.Fetching;

/// <summary>Turns whatever ended a fetch into the plain words status shows.</summary>
internal static class FetchErrors
{
    public static string Describe(Exception exception) => exception switch
    {
        FetchFailedException e => e.Message,
        IsolatedCircuitException => "circuit isolated",
        BrokenCircuitException e when e.RetryAfter is { } after => $"circuit open (next try in {Seconds(after)})",
        BrokenCircuitException => "circuit open",
        TimeoutRejectedException e => $"took longer than {Seconds(e.Timeout)}",
        OperationCanceledException => "cancelled (node stopping)",
        _ => "internal error: " + exception.Message,
    };

    private static string Seconds(TimeSpan span) =>
        Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s";
}

namespace PeerMesh.Sync.Tests.Support;

/// <summary>Waits for a known point reached by background work (never for time to pass on a fake clock).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("never happened: " + what);
            }

            await Task.Delay(2);
        }
    }
}

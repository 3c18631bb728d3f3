using System.Net;
using PeerMesh.Mesh.Timing;

namespace PeerMesh.Sync.Serving;

/// <summary>How the stock <c>git daemon</c> child is run. Defaults are for a LAN with a handful of peers.</summary>
public sealed class GitDaemonOptions
{
    public const int DefaultPort = 9418;

    /// <summary>Address to listen on; null = every interface (IPv4 and IPv6).</summary>
    public IPAddress? Listen { get; set; }

    /// <summary>9418 by default; 0 = any free port. When the default is taken, any free port is used.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Simultaneous clients (HOSTILE 39). A mesh of 20 peers fetching at once fits with room to spare.</summary>
    public int MaxConnections { get; set; } = 32;

    /// <summary>Seconds a client may take to send its request before it is dropped (idle connections).</summary>
    public int InitTimeoutSeconds { get; set; } = 10;

    /// <summary>Seconds of inactivity on an established connection before it is dropped.</summary>
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>First restart delay after the daemon dies; doubles per failure up to <see cref="MaxRestartDelay"/>.</summary>
    public TimeSpan MinRestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The delay before the n-th restart in a row: <c>min(MinRestartDelay * 2^(n-1), MaxRestartDelay)</c>, no jitter (one daemon).</summary>
    internal Backoff RestartBackoff => new(MinRestartDelay, MaxRestartDelay);

    /// <summary>A daemon that ran this long counts as healthy: the restart delay starts again from the minimum.</summary>
    public TimeSpan HealthyAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a starting daemon may take to say it is listening.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "git port must be 0..65535");
        }

        if (MaxConnections < 1 || InitTimeoutSeconds < 1 || TimeoutSeconds < 1)
        {
            throw new ArgumentException("git daemon limits must be positive");
        }

        if (MinRestartDelay <= TimeSpan.Zero || MaxRestartDelay < MinRestartDelay)
        {
            throw new ArgumentException("restart delays must be positive and max >= min");
        }
    }
}
